#!/usr/bin/env python3
"""Checks that every crate of the workspace is ready to publish (issue 15), from `cargo metadata`.

    python3 .ci/publish_check.py metadata        crates.io metadata, licence files, feature docs
    python3 .ci/publish_check.py publishable     prints `-p NAME` for every publishable crate
    python3 .ci/publish_check.py packages DIR    the .crate files in DIR carry README and licences
    python3 .ci/publish_check.py msrv            no dependency needs a newer Rust than ours
    python3 .ci/publish_check.py rust-version    prints the workspace's rust-version

Exits 1 naming every problem found; prints one summary line otherwise.
"""

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

# Workspace members that are never published (a wheel, tests, examples). Any other member must
# be publishable, so that a new crate is either ready for crates.io or says why not.
UNPUBLISHED = {"dropkit-tests", "dropkit-examples", "dropkit-python"}

# crates.io's category slugs (crates.io's src/boot/categories.toml); anything else is refused
# by crates.io at publish time.
CATEGORIES = set("""
algorithms api-bindings asynchronous authentication caching command-line-interface
command-line-utilities compression computer-vision config concurrency cryptography
cryptography::cryptocurrencies database database-implementations data-structures
date-and-time development-tools development-tools::build-utils development-tools::cargo-plugins
development-tools::debugging development-tools::ffi development-tools::procedural-macro-helpers
development-tools::profiling development-tools::testing email embedded emulators encoding
external-ffi-bindings filesystem game-engines game-development games graphics gui
hardware-support internationalization localization mathematics memory-management multimedia
multimedia::audio multimedia::video multimedia::images multimedia::encoding network-programming
no-std os os::macos-apis os::unix-apis os::windows-apis parser-implementations parsing
rendering rendering::engine rendering::graphics-api rendering::data-formats rust-patterns
science science::robotics simulation template-engine text-editors text-processing
value-formatting visualization wasm web-programming web-programming::http-client
web-programming::http-server web-programming::websocket
""".split())

KEYWORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_+-]{0,19}$")
LICENSE = "MIT OR Apache-2.0"
LICENSE_FILES = ("LICENSE-MIT", "LICENSE-APACHE")


def metadata():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def members(meta):
    ids = set(meta["workspace_members"])
    return [p for p in meta["packages"] if p["id"] in ids]


def publishable(pkg):
    # `publish = false` is an empty list in cargo metadata; null means any registry
    return pkg["publish"] != []


def feature_docs(manifest: Path):
    """Names of the features that have a `## ` doc comment right above them in [features]."""
    documented, in_features, comment = set(), False, False
    for line in manifest.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_features = stripped == "[features]"
            comment = False
            continue
        if not in_features:
            continue
        if stripped.startswith("## ") or stripped == "##":
            comment = True
        elif "=" in stripped and not stripped.startswith("#"):
            if comment:
                documented.add(stripped.split("=", 1)[0].strip().strip('"'))
            comment = False
        elif not stripped.startswith("#"):
            comment = False
    return documented


def check_metadata(meta):
    problems, names = [], []
    for pkg in sorted(members(meta), key=lambda p: p["name"]):
        name, manifest = pkg["name"], Path(pkg["manifest_path"])
        crate_dir = manifest.parent
        if name in UNPUBLISHED:
            if publishable(pkg):
                problems.append(f"{name}: must not be published: add `publish = false`")
            continue
        if not publishable(pkg):
            problems.append(f"{name}: publish = false, but it is not one of {sorted(UNPUBLISHED)}:"
                            " publish it, or add it to UNPUBLISHED in .ci/publish_check.py")
            continue
        names.append(name)
        for field in ("description", "repository", "rust_version", "readme"):
            if not pkg.get(field):
                problems.append(f"{name}: `{field}` is missing from [package]")
        if pkg.get("license") != LICENSE:
            problems.append(f"{name}: license is {pkg.get('license')!r}, expected {LICENSE!r}")
        if pkg.get("readme") and not (crate_dir / pkg["readme"]).is_file():
            problems.append(f"{name}: readme {pkg['readme']} does not exist in {crate_dir}")
        keywords = pkg.get("keywords") or []
        if not keywords or len(keywords) > 5:
            problems.append(f"{name}: {len(keywords)} keywords, crates.io wants 1 to 5")
        problems += [f"{name}: keyword {k!r} is not valid on crates.io" for k in keywords
                     if not KEYWORD.match(k)]
        categories = pkg.get("categories") or []
        if not categories or len(categories) > 5:
            problems.append(f"{name}: {len(categories)} categories, crates.io wants 1 to 5")
        problems += [f"{name}: category {c!r} is not a crates.io category slug" for c in categories
                     if c not in CATEGORIES]
        for lic in LICENSE_FILES:
            if not (crate_dir / lic).is_file():
                problems.append(f"{name}: {lic} missing in {crate_dir} (a link to ../../{lic})")
        features = [f for f in pkg["features"] if f != "default"]
        if features:
            undocumented = sorted(set(features) - feature_docs(manifest))
            if undocumented:
                problems.append(f"{name}: features without a `## ` doc comment in [features]:"
                                f" {', '.join(undocumented)}")
            docs_rs = (pkg.get("metadata") or {}).get("docs", {}).get("rs", {})
            if docs_rs.get("all-features") is not True:
                problems.append(f"{name}: has features but no [package.metadata.docs.rs]"
                                " all-features = true")
            if docs_rs.get("rustdoc-args") != ["--cfg", "docsrs"]:
                problems.append(f"{name}: [package.metadata.docs.rs] rustdoc-args should be"
                                ' ["--cfg", "docsrs"]')
    return names, problems


def check_packages(meta, directory: Path):
    problems = []
    names, _ = check_metadata(meta)
    version = {p["name"]: p["version"] for p in members(meta)}
    for name in names:
        crate = directory / f"{name}-{version[name]}.crate"
        if not crate.is_file():
            problems.append(f"{name}: {crate} was not packaged")
            continue
        with tarfile.open(crate) as tar:
            files = {Path(m.name).relative_to(f"{name}-{version[name]}").as_posix()
                     for m in tar.getmembers() if m.isfile()}
        for needed in ("README.md",) + LICENSE_FILES:
            if needed not in files:
                problems.append(f"{name}: {needed} is not in {crate.name}")
    return names, problems


def version_key(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3]) + (0,) * (3 - len(re.findall(r"\d+", v)[:3]))


def check_msrv(meta):
    """Every package in the resolved graph (every platform, dev-dependencies too) declares a
    rust-version no newer than the workspace's own."""
    ours = {p["rust_version"] for p in members(meta)}
    if len(ours) != 1 or None in ours:
        return None, [f"workspace members declare different rust-versions: {sorted(map(str, ours))}"]
    msrv = ours.pop()
    resolved = {n["id"] for n in meta["resolve"]["nodes"]}
    member_ids = set(meta["workspace_members"])
    deps = [p for p in meta["packages"]
            if p["id"] in resolved and p["id"] not in member_ids and p.get("rust_version")]
    newest = max(deps, key=lambda p: version_key(p["rust_version"]), default=None)
    problems = [f"{p['name']} {p['version']} needs Rust {p['rust_version']}, ours is {msrv}:"
                " raise rust-version in [workspace.package] (and README) or pin an older version"
                for p in deps if version_key(p["rust_version"]) > version_key(msrv)]
    summary = (f"rust-version {msrv}; the newest required by a dependency: "
               f"{newest['rust_version']} ({newest['name']} {newest['version']})" if newest else msrv)
    return summary, problems


def main(argv):
    meta = metadata()
    command = argv[1] if len(argv) > 1 else "metadata"
    if command == "publishable":
        names, _ = check_metadata(meta)
        print(" ".join(f"-p {n}" for n in names))
        return 0
    if command == "rust-version":
        print(next(p["rust_version"] for p in members(meta) if p["rust_version"]))
        return 0
    if command == "metadata":
        names, problems = check_metadata(meta)
        summary = f"{len(names)} publishable crates: metadata, README, licence files, feature docs"
    elif command == "packages":
        names, problems = check_packages(meta, Path(argv[2]))
        summary = f"{len(names)} .crate files carry README.md, LICENSE-MIT and LICENSE-APACHE"
    elif command == "msrv":
        summary, problems = check_msrv(meta)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
