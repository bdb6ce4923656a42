"""The official test vectors (DROP spec sections 7.1, 7.2 and 7.5), as crates/dropkit-hash's
tests check them: (kind, input, standardized, hash) for fields, and (kind, columns, hash) for
composites. Shared by every test of an entry point."""

FIELD_VECTORS = [
    ("first_name", "Juan Pablo", "juanpablo", "91hIbrbzNeqHs3o81O5yNrXUj7wDd2shvZ6THKi9qz8="),
    ("last_name", "Martinez", "martinez", "2wRPGbwBNxhShjRczx8GfS2c4cjvs4NJskeWloUNtp8="),
    ("zip", "91790-3771", "91790", "2FPZucR4x7U8KlM+SFAX4LPGhwNz/PIZUCSUdDh0o/s="),
    ("zip", "M1B 1A1", "m1b1a", "n8L9q8mVeT6Xt9/EeUNiTukGDrkbPJ3DvOEx14uElxk="),
    ("zip", "00712345", "71234", "aeNUYKh7Xw5sqpxSbSP9eOHsj6iXewbUyavv89DIuhQ="),
    ("email", "Anna.Smith@Domain.com", "anna.smith@domain.com", "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE="),
    ("phone", "+1(415)555-9317", "4155559317", "vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E="),
    ("vin", "1HGCM82633A004352", "1hgcm82633a004352", "iNswy1m+0VSt8jAfFrvaiQ1R/0HAbgSwNGkwqo6QBss="),
    ("maid", "a3f1c2d4-5678-90ab-cdef-1234567890ab", "a3f1c2d4567890abcdef1234567890ab", "250KY6lOgzYUB3EHrkbDCE2kMEZQE69SF38muhoDudI="),
    ("ctvid", "SmartTV_9F8E7D6C", "smarttv9f8e7d6c", "d9fxuTIrKksBXYDlaWsvQbcyUUfCbUx7v78gd+KP+tc="),
    ("dob", "1776-07-04", "17760704", "skXYXxBER6HQTZ3rXSZH1wVGLQ054mS5rbR/bwvzy4I="),
    ("dob", "17760704", "17760704", "skXYXxBER6HQTZ3rXSZH1wVGLQ054mS5rbR/bwvzy4I="),
    # 7.2 intermediates
    ("first_name", "Danielle", "danielle", "5dUD1FgiKcTJq+JQ5JZUdlyIXrSbtJ338YYbt5/HNG4="),
    ("last_name", "Johnson", "johnson", "K+TjOqPiH2/3rRRPj9WCKKHM47UDQLSAX/DGNIDuxIg="),
    ("dob", "1985-07-04", "19850704", "IWi7qxOAbBJe0fNciDj76Eg84gmj40rB7aNMK/VnFOI="),
    ("zip", "91790", "91790", "2FPZucR4x7U8KlM+SFAX4LPGhwNz/PIZUCSUdDh0o/s="),
    ("first_name", "Eve", "eve", "hSYq33RRi7twx8uUzWFZ2RZp5age3x7+vVQ+rb2p+is="),
    ("last_name", "Genesis", "genesis", "ruutSnlvzC4V3ExgYbRe2bNz8mrfx5jKfS2MxYGCcY4="),
    # 7.5 convenience vectors
    ("first_name", "Иван", "ivan", "zQuUUvw3b8TDWmAIezZvcNiD/JAVJNrx8SL70xk4T2o="),
    ("email", " alice@co.com ", "alice@co.com", "Vq+cMxlYylNez5+9kgWt1TcL1sYzvRDfj3wPgyhusHM="),
    ("email", "a.lice+tag@co.com", "a.lice+tag@co.com", "l4+1omHy8eaieWH3F6xaN1RXzfFunJ2e+GG0Sot3PjE="),
]

COMPOSITE_VECTORS = [
    ("ndz", ("Danielle", "Johnson", "19850704", "91790"), "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="),
    ("ndz", ("Danielle", "Johnson", "1985-07-04", "91790"), "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="),
    ("namevin", ("Eve", "Genesis", "1HGCM82633A004352"), "rtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk="),
]

#: Values DROP refuses: (kind, input) pairs that hash to nothing.
REFUSED = [
    ("vin", "1HGCM8263"),
    ("email", "   "),
    ("maid", "xyz"),
    ("dob", "1985-02-30"),
    ("zip", "0000"),
]


def by_kind():
    """{kind: (inputs, standardized, hashes)} of the field vectors."""
    out = {}
    for kind, value, std, digest in FIELD_VECTORS:
        inputs, stds, hashes = out.setdefault(kind, ([], [], []))
        inputs.append(value)
        stds.append(std)
        hashes.append(digest)
    return out
