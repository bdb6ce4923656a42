#!/usr/bin/env python3
"""The baseline the matching benchmark compares with: a plain Python join of a DROP Email list
against a broker's records (a dict of the list's hashes, hashlib per record).

usage: python_match.py DOWNLOAD.zip RECORDS.csv KEY_COLUMN EMAIL_COLUMN OUT_DIR

Writes OUT_DIR/<list name> (Id,Status) and OUT_DIR/matches.csv (Id,ListType,Key,Status), and
prints the counts, as `dropkit match --map key=...,email=...` does for the Email list.
"""
import base64
import csv
import hashlib
import io
import os
import sys
import time
import zipfile


def main():
    zip_path, records_path, key_col, email_col, out_dir = sys.argv[1:6]
    start = time.time()
    os.makedirs(out_dir, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        name = next(n for n in z.namelist() if n.lower().endswith("_email.csv"))
        with z.open(name) as f:
            rows = csv.reader(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""))
            next(rows)
            ids = []
            by_hash = {}
            for wid, h in rows:
                by_hash.setdefault(base64.b64decode(h), []).append(len(ids))
                ids.append(wid)

    matched = [None] * len(ids)  # list of consumer keys per work item
    records = bad = 0
    with open(records_path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        k, e = header.index(key_col), header.index(email_col)
        width = len(header)
        for row in rows:
            records += 1
            if len(row) != width or not row[k].strip():
                bad += 1
                continue
            email = "".join(row[e].split()).lower()
            if not email:
                continue
            hits = by_hash.get(hashlib.sha256(email.encode("utf-8")).digest())
            if hits:
                for i in hits:
                    if matched[i] is None:
                        matched[i] = [row[k]]
                    elif row[k] not in matched[i]:
                        matched[i].append(row[k])

    status = [5 if m is None else (3 if len(m) == 1 else 4) for m in matched]
    with open(os.path.join(out_dir, os.path.basename(name)), "w", newline="") as f:
        f.write("Id,Status\n")
        for wid, s in zip(ids, status):
            f.write(f"{wid},{s}\n")
    with open(os.path.join(out_dir, "matches.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Id", "ListType", "Key", "Status"])
        for wid, m, s in zip(ids, matched, status):
            for key in m or ():
                w.writerow([wid, "Email", key, s])
    print(
        f"records read: {records} ({bad} bad rows); Email: {len(ids)} work items, "
        f"{sum(1 for m in matched if m)} matched; elapsed {time.time() - start:.2f} s"
    )


if __name__ == "__main__":
    main()
