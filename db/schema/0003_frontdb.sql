/* Provincial front-database sync (SPEC section 6): one watermark per front table and key column —
   the last key taken. The watermark moves in the same transaction as the rows it covers, so a
   batch is taken wholly or not at all. */

create table epi_private.frontdb_watermark (
  front_table text not null check (front_table <> ''),
  key_column  text not null check (key_column <> ''),
  last_key    text not null,
  rows_taken  bigint not null default 0 check (rows_taken >= 0),
  updated_at  timestamptz not null default now(),
  primary key (front_table, key_column)
);
comment on table epi_private.frontdb_watermark is
  'The last key taken from each front-database table (as text), moved together with the rows of each batch.';
