-- Raw and meta tables of the warehouse. Raw tables hold validated rows exactly as loaded,
-- one month (period) per file, with lineage columns; dbt reads them as sources.
create schema if not exists raw;
create schema if not exists meta;

create table if not exists raw.registration (
    period date not null,               -- first day of the reporting month
    uscc varchar not null,
    enterprise_name varchar not null,
    park_code varchar not null,
    park_name_reported varchar not null, -- the park text as the file said it (alias), after NFKC
    industry_code varchar not null,
    status varchar not null,
    established_on date not null,
    registered_capital_10k decimal(20, 6),
    is_high_tech boolean,
    is_tech_sme boolean,
    is_tech_leader boolean,
    listing_board varchar,
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

create table if not exists raw.tax (
    period date not null,
    uscc varchar not null,
    vat_yuan decimal(18, 2),
    corporate_income_tax_yuan decimal(18, 2),
    other_taxes_yuan decimal(18, 2),
    total_tax_yuan decimal(18, 2),
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

create table if not exists raw.employment (
    period date not null,
    uscc varchar not null,
    insured_headcount integer,
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

create table if not exists raw.output (
    period date not null,
    uscc varchar not null,
    gross_output_month_10k decimal(20, 6),
    gross_output_ytd_10k decimal(20, 6),
    value_added_month_10k decimal(20, 6),
    revenue_month_10k decimal(20, 6),
    revenue_ytd_10k decimal(20, 6),
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

create table if not exists raw.projects (
    period date not null,               -- month of the register snapshot
    project_id varchar not null,
    project_name varchar not null,
    park_code varchar not null,
    park_name_reported varchar not null,
    investor_uscc varchar,
    agreed_investment_100m decimal(20, 6) not null,
    signed_on date not null,
    status varchar not null,
    category varchar,
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

create table if not exists raw.carriers (
    period date not null,
    carrier_id varchar not null,
    carrier_name varchar not null,
    park_code varchar not null,
    park_name_reported varchar not null,
    carrier_type varchar not null,
    recognized_on date not null,
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

create table if not exists raw.land (
    period date not null,               -- month of the register snapshot
    parcel_id varchar not null,
    park_code varchar not null,
    park_name_reported varchar not null,
    land_use varchar not null,
    area_mu decimal(20, 6) not null,
    land_price_10k decimal(20, 6) not null,
    holder_uscc varchar not null,
    supplied_on date not null,
    agreed_start_on date not null,
    actual_start_on date,               -- null: not started
    fixed_investment_10k decimal(20, 6) not null,
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

-- Yearly figures (indicators_<YYYY>.csv): one file per year, its period January 1 of the year.
create table if not exists raw.indicators (
    period date not null,               -- January 1 of the year (年度)
    park_code varchar not null,         -- a park, or CITY for 全市
    park_name_reported varchar not null,
    indicator_code varchar not null,    -- seeds/indicator_codes.csv
    value decimal(20, 6) not null,
    source varchar,                     -- who reported it (来源)
    _source_file varchar not null, _source_sha256 varchar not null, _source_row integer not null,
    _revision integer not null, _loaded_at timestamp not null
);

-- Every file received, loaded or not.
create table if not exists meta.loads (
    file_name varchar not null,
    kind varchar,
    period date,
    revision integer,
    sha256 varchar not null,
    size_bytes bigint not null,
    encoding varchar,
    received_at timestamp not null,     -- when the file was archived
    loaded_at timestamp,                -- when its rows were published to raw (null if not)
    status varchar not null,            -- loaded | file_rejected | superseded | not_an_extract
    message varchar,                    -- why a file was rejected as a whole
    rows_read integer,
    rows_loaded integer,
    rows_rejected integer,
    superseded_sha256 varchar,          -- the file this one replaced for its kind and month
    modified_at timestamp               -- the landing file's modification time (UTC), see below
);
-- A file of the same name, size and modification time as a line here is that line's file: it is
-- recognized without reading it again (as git and rsync do). Warehouses of earlier releases
-- get the column here; their files are hashed once more and then recognized.
alter table meta.loads add column if not exists modified_at timestamp;
-- 行业代码 of a project (optional column of the register): added after the table, so that a
-- warehouse of an earlier release gains it too, in the same place.
alter table raw.projects add column if not exists industry_code varchar;

-- Rows set aside, one line per broken rule and cell.
create table if not exists meta.rejects (
    kind varchar not null,
    period date not null,
    file_name varchar not null,
    sha256 varchar not null,
    row_number integer not null,        -- row in the file, header = row 1
    record_key varchar,                 -- the row's key as read (USCC, 项目编号, 载体编号, 地块编号), normalized
    column_name varchar,                -- Chinese header of the offending column
    rule_id varchar not null,
    rule_zh varchar not null,
    rule_en varchar not null,
    value varchar                       -- the offending value as read
);

-- Per file and rule, how the rows fared (like the R package validate's confrontation summary):
-- items = rows of the file the rule was evaluated on, fails = rows where it was false, missing =
-- rows where it did not apply (null); passes = items - fails - missing. Written with the month's
-- rejects, in the same transaction, replacing the month's lines (pipelines/ingest/quality.py).
create table if not exists meta.rule_results (
    kind varchar not null,
    period date not null,
    file_name varchar not null,
    sha256 varchar not null,
    rule_id varchar not null,
    rule_zh varchar not null,
    rule_en varchar not null,
    column_name varchar,                -- Chinese header of the rule's column (null: the whole row)
    items integer not null,
    fails integer not null,
    missing integer not null
);

-- What each revision changed against the version it replaced: rows added or removed, and every
-- changed cell with its old and new value (and the difference for numbers).
create table if not exists meta.revision_changes (
    kind varchar not null,
    period date not null,
    file_name varchar not null,         -- the revision
    superseded_file_name varchar not null,
    replaced_at timestamp not null,
    record_key varchar not null,        -- USCC, 项目编号, 载体编号 or 地块编号
    change varchar not null,            -- added | removed | changed
    column_name varchar,                -- the raw table's column (changed only)
    old_value varchar,
    new_value varchar,
    delta double                        -- new - old, for numbers
);

-- Every dbt build the pipeline ran: which project (a digest of the models, macros, seeds and
-- settings) built the tables, and whether it rebuilt them whole. A build whose digest differs
-- from the last one's is a full refresh: incremental tables built by other SQL or other seeds
-- would otherwise keep rows computed the old way.
create table if not exists meta.dbt_builds (
    fingerprint varchar not null,
    full_refresh boolean not null,
    reason varchar,                     -- why it was a full refresh (null: incremental)
    finished_at timestamp not null
);

-- Descriptions analysts see in DBeaver and duckdb_tables() (the dbt layers carry their own).
comment on table raw.registration is '企业登记(每月全量快照),已校验的行 / enterprise register, monthly snapshot, validated rows';
comment on table raw.tax is '税收(元),已校验的行 / taxes paid per enterprise and month, validated rows';
comment on table raw.employment is '参保人数,已校验的行 / social-insurance headcount at month end, validated rows';
comment on table raw.output is '工业总产值、增加值、营业收入(万元),已校验的行 / output, value added, revenue (10k yuan), validated rows';
comment on table raw.projects is '招商引资项目库(每月快照) / investment project register, monthly snapshot';
comment on table raw.carriers is '两创载体(每月快照) / innovation carriers register, monthly snapshot';
comment on table raw.indicators is '年度指标(规划面积、科研投入、GDP、对接500强企业),已校验的行 / yearly figures (planned area, R&D spending, GDP, top enterprises contacted), validated rows';
comment on table raw.land is '供地地块(每月全量快照) / land parcels supplied in the parks, monthly snapshot';
comment on table meta.loads is '收到的每个文件及其处理结果 / every file received and what became of it';
comment on table meta.rejects is '被剔除的行:文件、行号、列、规则、值 / rows set aside: file, row, column, rule, value';
comment on table meta.rule_results is '每个文件每条规则的检查数、失败数、不适用数 / per file and rule: items, fails, missing';
comment on table meta.dbt_builds is '每次 dbt 构建：项目指纹、是否全量重建及原因 / every dbt build: project digest, whether it rebuilt everything, and why';
comment on table meta.revision_changes is '修订版相对被替换版本的变化 / what each revision changed against the version it replaced';
