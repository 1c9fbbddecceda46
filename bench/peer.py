"""The same-work peer of the scan import (issue 51), run by bench/importspeed.py as a child process
and timed from process start to exit (its commit). FROZEN once it measured honestly: a change to
this file says why in its commit, because every import ratio of the bench is measured against it.

What it does is what a DBA could script to answer the same tracing questions as the zone, with the
same reader and the same cryptography, and nothing the zone adds (no checks of the cells, no RLS,
no counts, no audit entry, no partitions):

1. polars reads the file with calamine (``read_excel(engine="calamine")``), every sheet;
2. the three personal columns are sealed with the zone's keys and library (core.crypto.Sealer:
   SM4-GCM, HMAC-SM3 digests, the name's digests, the masks) — the per-record work cannot be
   vectorised (one nonce and one tag per record), so it is a list comprehension over the columns;
3. ADBC appends the frame (binary COPY) into ``create table … (like epi.scan including defaults
   including indexes)``: epi.scan's columns and every one of its indexes, the GIN name index among
   them, maintained row by row as the rows arrive;
4. commit.

Arguments: the file, a libpq URI of the database (an admin login), the table to create. Prints the
rows it loaded."""
from __future__ import annotations

import sys


def main(path: str, uri: str, table: str) -> int:
    import adbc_driver_postgresql.dbapi as adbc
    import polars as pl

    from core import crypto
    from db.vocabulary import SCAN

    sheets = pl.read_excel(path, engine="calamine", sheet_id=0)   # every sheet, as a dict of frames
    frame = pl.concat([f.select(list(SCAN.values())) for f in sheets.values()], how="vertical_relaxed")
    frame = frame.rename({label: column for column, label in SCAN.items()})
    sealer = crypto.Sealer(crypto.keyring())
    sealed = list(zip(*map(sealer.seal, frame["id_card"].to_list(), frame["person_name"].to_list(),
                           frame["phone"].to_list()), strict=True))
    names = ("personal", "key_version", "id_card_digest", "phone_digest", "name_grams", "id_card_masked",
             "person_name_masked", "phone_masked")
    types = (pl.Binary, pl.Int16, pl.Int64, pl.Int64, pl.List(pl.Int64), pl.String, pl.String, pl.String)
    frame = frame.drop("id_card", "person_name", "phone").with_columns(
        *(pl.Series(name, values, dtype) for name, values, dtype in zip(names, sealed, types, strict=True)),
        pl.col("collected_at").cast(pl.Datetime("us")).dt.replace_time_zone("Asia/Shanghai"),
        pl.lit(0, pl.Int64).alias("batch_id"), pl.lit("peer").alias("imported_by"))
    with adbc.connect(uri) as conn:
        with conn.cursor() as cur:
            cur.execute(f"create table {table} (like epi.scan including defaults including indexes)")
            cur.adbc_ingest(table.rsplit(".", 1)[-1], frame.to_arrow(), mode="append",
                            db_schema_name=table.rsplit(".", 1)[0] if "." in table else None)
        conn.commit()
    return frame.height


if __name__ == "__main__":
    print(main(*sys.argv[1:4]))
