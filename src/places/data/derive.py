#!/usr/bin/env python3
"""Derives the hub's compact place table from INSEE's Code officiel géographique and La Poste's
postal codes, as the npm package @etalab/decoupage-administratif publishes them.

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python3 src/places/data/derive.py /tmp/package/data src/places/data

Writes, sorted and deterministic (the same input gives the same bytes):

- departements.tsv: code, name, région code, région name: the 101 départements (01–95 with 2A
  and 2B, 971–974, 976), the ones the hub's département rule accepts;
- communes.tsv: INSEE code, name, département, postal codes (space-separated), and, for a
  former commune (commune déléguée or associée), the code of the commune it now belongs to
  (its own postal codes are then empty: the commune's serve it).

Municipal arrondissements (Paris, Lyon, Marseille) are left out: their postal codes are listed
under their commune.
"""

import json
import sys
from pathlib import Path

KEPT_DEPARTEMENTS = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B", "971", "972", "973", "974", "976"}


def clean(text: str) -> str:
    # A table cell: no tab, no line break.
    return " ".join(text.replace("\t", " ").split())


def main(source: Path, target: Path) -> None:
    regions = {r["code"]: r["nom"] for r in json.loads((source / "regions.json").read_text("utf-8"))}
    departements = json.loads((source / "departements.json").read_text("utf-8"))
    communes = json.loads((source / "communes.json").read_text("utf-8"))

    kept = sorted((d for d in departements if d["code"] in KEPT_DEPARTEMENTS), key=lambda d: d["code"])
    missing = KEPT_DEPARTEMENTS - {d["code"] for d in kept}
    if missing:
        sys.exit(f"départements missing from the source: {sorted(missing)}")
    lines = ["# code\tnom\tregion\tnom_region"]
    for d in kept:
        lines.append("\t".join([d["code"], clean(d["nom"]), d["region"], clean(regions[d["region"]])]))
    (target / "departements.tsv").write_text("\n".join(lines) + "\n", "utf-8")

    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    rows = []
    for c in communes:
        if c["departement"] not in KEPT_DEPARTEMENTS:
            continue
        if c["type"] == "commune-actuelle":
            postal = " ".join(sorted(set(c.get("codesPostaux", []))))
            rows.append((c["code"], 0, clean(c["nom"]), c["departement"], postal, ""))
        elif c["type"] in ("commune-deleguee", "commune-associee"):
            parent = current.get(c.get("chefLieu", ""))
            # A former commune named like the one it joined adds nothing.
            if parent is None or clean(parent["nom"]) == clean(c["nom"]):
                continue
            rows.append((c["code"], 1, clean(c["nom"]), c["departement"], "", parent["code"]))
    rows.sort()
    lines = ["# code\tnom\tdepartement\tcodes_postaux\trattachement"]
    seen = set()
    for code, _, name, dep, postal, parent in rows:
        key = (code, name, parent)
        if key in seen:
            continue
        seen.add(key)
        lines.append("\t".join([code, name, dep, postal, parent]))
    (target / "communes.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{len(kept)} départements, {len(lines) - 1} communes written to {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
