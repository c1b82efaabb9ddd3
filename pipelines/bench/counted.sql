-- The files the benchmark's DuckDB scripts read (minimal.sql, store.sql), read before them:
-- a variable per monthly extract, the list of its files that count.
--
-- Run by the DuckDB command line with the variable landing (folder) set.

-- The files that count: the highest revision of each month (<kind>_<YYYYMM>[_v<N>].csv).
create macro counted(kind) as (
    select list(file) from (
        select file,
               regexp_extract(file, '_(\d{6})(_v\d+)?\.csv$', 1) as month,
               coalesce(try_cast(regexp_extract(file, '_v(\d+)\.csv$', 1) as integer), 1) as revision
        from glob(getvariable('landing') || '/' || kind || '_*.csv')
        qualify revision = max(revision) over (partition by month)
    )
);
set variable registration = counted('registration');
set variable tax = counted('tax');
set variable employment = counted('employment');
set variable output = counted('output');
