{#
  Incremental models keyed by month (or year, or enterprise) rebuild only what a load touched.

  Every raw row carries _loaded_at, the moment its file was loaded (a month is replaced whole,
  so all rows of a month share it). An incremental model stores, per row, _source_loaded_at:
  the latest _loaded_at of the raw rows it was built from in that month. A month is stale
  when a raw table has rows for it loaded later than the model's newest _source_loaded_at for
  it, or when the model has no rows for it yet. A model whose rows span months (keyed by
  enterprise; dq_cross_extract's wording of an enterprise's register history) keeps its state
  apart instead: meta.incremental_state holds, per model and kind of
  extract, the newest load it has taken in (every load up to it), written by its post-hook in
  the same transaction as its rows (record_loads_taken_in).

  The stale keys are looked up when the model is compiled and written into its SQL as a
  constant list: DuckDB pushes a constant filter down through the staging views (their
  window over `period` included) to the raw tables, so only the stale months are read.

  Rebuild everything (after a change of seeds or of a model's SQL):
    dbt build --full-refresh   or   PARKS_FULL_REFRESH=1 parks run
#}

{% macro stale_periods(raw_tables) %}
    {#- Months of the raw tables loaded after this model last took them in, as 'YYYY-MM-DD' texts. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        with loaded as (
            {%- for table in raw_tables %}
            select period, max(_loaded_at) as loaded_at from {{ source('raw', table) }} group by period
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        ),
        latest as (select period, max(loaded_at) as loaded_at from loaded group by period),
        built as ({{ _built_at(this, 'period') }})
        select strftime(latest.period, '%Y-%m-%d')
        from latest
        left join built on built.period = latest.period
        where built.loaded_at is null or latest.loaded_at > built.loaded_at
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{% macro months_loaded_since_taken_in(kind) %}
    {#- For a model keyed by enterprise: the months of `kind` loaded since the newest load it took
        in (meta.incremental_state), as rows ('YYYY-MM-DD', taken_in_before), taken_in_before
        telling whether it took in an earlier load of the month: each load since replaced the one
        before it as a revision, and meta.revision_changes records what each changed. With no
        state, every month is new to it. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select strftime(period, '%Y-%m-%d'),
               coalesce(bool_or(loaded_at <= {{ loads_taken_in(kind) }}), false)
        from {{ source('meta', 'loads') }}
        where kind = '{{ kind }}' and loaded_at is not null
        group by period
        having {{ loads_taken_in(kind) }} is null or max(loaded_at) > {{ loads_taken_in(kind) }}
        order by 1
    {%- endset -%}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}

{% macro loads_taken_in(kind) %}
    {#- The newest load of `kind` this model has taken in, as a scalar subquery (null: none). -#}
    (select loaded_at from meta.incremental_state
     where model = '{{ this.identifier }}' and kind = '{{ kind }}')
{% endmacro %}

{% macro record_loads_taken_in(kinds) %}
    {#- The post-hook of a model that keeps its state in meta.incremental_state: it has now taken
        in every load of `kinds` (the pipeline loads nothing while dbt runs). -#}
    create table if not exists meta.incremental_state (
        model varchar not null,
        kind varchar not null,
        loaded_at timestamp not null
    );
    delete from meta.incremental_state where model = '{{ this.identifier }}';
    insert into meta.incremental_state
    select '{{ this.identifier }}', kind, max(loaded_at)
    from {{ source('meta', 'loads') }}
    where kind in ('{{ kinds | join("', '") }}') and loaded_at is not null
    group by kind;
{% endmacro %}

{% macro year_increments(upstream) %}
    {#- An incremental run of a model keyed by year, built from an upstream model keyed by month,
        that keeps per year the sums and counts behind its figures: {'recompute': years to
        rebuild from their months, 'fold': {year: months to fold into what the model holds}}.
        A year's stale months are folded when every one of them comes after the latest month the
        model holds for the year (`as_of_period`): the next month of the year in progress. A year
        with an earlier month changed (a revision), or a new year, is rebuilt from its months. -#}
    {%- if not execute -%}
        {{ return({'recompute': [], 'fold': {}}) }}
    {%- endif -%}
    {%- set query -%}
        with latest as (
            select period, max(_source_loaded_at) as loaded_at from {{ upstream }} group by period
        ),
        built as (
            select year, max(_source_loaded_at) as loaded_at, max(as_of_period) as as_of_period
            from {{ this }} group by year
        ),
        stale as (
            select year(latest.period) as year, latest.period,
                   coalesce(latest.period > built.as_of_period, false) as after_built
            from latest
            left join built on built.year = year(latest.period)
            where built.loaded_at is null or latest.loaded_at > built.loaded_at
        )
        select year, strftime(period, '%Y-%m-%d'), bool_and(after_built) over (partition by year)
        from stale
        order by period
    {%- endset -%}
    {%- set increments = {'recompute': [], 'fold': {}} -%}
    {%- for year, period, fold in run_query(query).rows -%}
        {%- if fold -%}
            {%- do increments['fold'].setdefault(year | int, []).append(period) -%}
        {%- elif year | int not in increments['recompute'] -%}
            {%- do increments['recompute'].append(year | int) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(increments) }}
{% endmacro %}

{% macro stale_as_of_months(upstream) %}
    {#- For a model of figures as of each month of the year (the year so far), from an upstream
        model keyed by month: the months whose figures may have changed, as 'YYYY-MM-DD' texts.
        A month is stale when the upstream's rows for it are newer than the model's rows for it
        (the model stores per month the newest _source_loaded_at of that month's upstream rows);
        every later month of its year is then stale too, as its year so far includes it. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        with latest as (
            select period, max(_source_loaded_at) as loaded_at from {{ upstream }} group by period
        ),
        built as (
            select make_date(year, month, 1) as period, max(_source_loaded_at) as loaded_at
            from {{ this }} group by all
        ),
        first_stale as (
            select year(latest.period) as year, min(latest.period) as period
            from latest
            left join built on built.period = latest.period
            where built.loaded_at is null or latest.loaded_at > built.loaded_at
            group by 1
        )
        select strftime(latest.period, '%Y-%m-%d')
        from latest
        join first_stale on first_stale.year = year(latest.period) and latest.period >= first_stale.period
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{% macro stale_keys(keys, latest) %}
    {#- The keys (rows of the `keys` columns) whose inputs changed since this model last took them
        in. `latest` is a query of the key columns and loaded_at: per key, the newest load the
        model's rows for it are built from; the model stores that value as _source_loaded_at.
        A key is stale when the model has no row for it or when its inputs were loaded later. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        with latest as ({{ latest }}),
        built as ({{ _built_at(this, keys) }})
        select {% for k in keys %}latest.{{ k }}{% if not loop.last %}, {% endif %}{% endfor %}
        from latest
        left join built using ({{ keys | join(', ') }})
        where built.loaded_at is null or latest.loaded_at > built.loaded_at
        order by all
    {%- endset -%}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}

{% macro _built_at(relation, keys) %}
    {#- Per key (one column, or a list of them), what the model was last built from. -#}
    {%- set keys = [keys] if keys is string else keys -%}
    select {{ keys | join(', ') }}, max(_source_loaded_at) as loaded_at from {{ relation }} group by all
{% endmacro %}

{% macro last_built_period(column) %}
    {#- The latest month the model holds ('YYYY-MM-DD'; '' when it holds none or is not built). -#}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set query -%}
        select coalesce(strftime(max({{ column }}), '%Y-%m-%d'), '') from {{ this }}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{% endmacro %}

{% macro full_build_batch(column) %}
    {#- The filter of a model that a full build runs in batches of months or years (`column`):
        the keys from the first to the last of the statement running, DuckDB variables that
        build_in_batches sets. dbt's own statement runs with them unset and creates the table
        empty. A unit test overrides it with 'true'. -#}
    {{ column }} between getvariable('{{ this.identifier }}_first')
        and getvariable('{{ this.identifier }}_last')
{% endmacro %}

{% macro build_in_batches(batches) %}
    {#- The post-hook of a model built in batches: on a full build, run the model's SELECT once
        per batch ([first, last] keys, months or years), each statement inserting its batch, so
        that each one's joins and sorts stay within the memory cap (docs/performance.md).
        Nothing on an incremental run, where the model's SELECT reads the stale keys at once. -#}
    {%- for first, last in batches %}
    set variable {{ this.identifier }}_first = {{ first }};
    set variable {{ this.identifier }}_last = {{ last }};
    insert into {{ this }} by name select * from ({{ model.compiled_code }});
    {%- endfor %}
    {%- if batches %}
    reset variable {{ this.identifier }}_first;
    reset variable {{ this.identifier }}_last;
    {%- endif %}
{% endmacro %}

{% macro months_loaded(raw_tables) %}
    {#- The months of the raw tables in batches for build_in_batches on a full build (none on an
        incremental run): consecutive months, as DuckDB dates, while their rows in the raw tables
        add up to at most var('full_build_batch_rows'); a larger month is a batch alone. One
        statement costs about the same whatever its size at 100,000 enterprises, where a month
        is a tenth of that; at a million a month is a batch (docs/performance.md). -#}
    {%- if not execute or is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select strftime(period, '%Y-%m-%d'), sum(n)
        from (
            {%- for table in raw_tables %}
            select period, count(*) as n from {{ source('raw', table) }} group by period
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        group by period
        order by 1
    {%- endset -%}
    {%- set batches, rows = [], {'in_last': 0} -%}
    {%- for period, n in run_query(query).rows -%}
        {%- set month = "date '" ~ period ~ "'" -%}
        {%- if batches and rows['in_last'] + n <= var('full_build_batch_rows') | int -%}
            {%- do batches[-1].pop() -%}
            {%- do batches[-1].append(month) -%}
            {%- do rows.update({'in_last': rows['in_last'] + n}) -%}
        {%- else -%}
            {%- do batches.append([month, month]) -%}
            {%- do rows.update({'in_last': n}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(batches) }}
{% endmacro %}

{% macro years_of(upstream) %}
    {#- A batch per year, from an upstream model keyed by month. -#}
    {%- if not execute or is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query = 'select distinct year(period) from ' ~ upstream ~ ' order by 1' -%}
    {%- set batches = [] -%}
    {%- for year in run_query(query).columns[0].values() -%}
        {%- do batches.append([year, year]) -%}
    {%- endfor -%}
    {{ return(batches) }}
{% endmacro %}

{% macro only_keys(column, keys, quoted=true) %}
    {#- The filter of an incremental run: the stale keys only (none: nothing to rebuild). -#}
    {%- if not is_incremental() -%}
        true
    {%- elif keys | length == 0 -%}
        false
    {%- elif quoted -%}
        {{ column }} in ({% for k in keys %}date '{{ k }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- else -%}
        {{ column }} in ({{ keys | join(', ') }})
    {%- endif -%}
{% endmacro %}

{% macro only_years(period_column, years) %}
    {#- only_keys for years, as ranges of a month column: a constant range of `period` reaches the
        raw tables' scans through the staging views and skips the other months' row groups, where
        a filter on year(period) reads every row. -#}
    {%- if not is_incremental() -%}
        true
    {%- elif years | length == 0 -%}
        false
    {%- else -%}
        ({% for y in years %}{{ period_column }} between date '{{ y }}-01-01' and date '{{ y }}-12-01'{% if not loop.last %} or {% endif %}{% endfor %})
    {%- endif -%}
{% endmacro %}

{% macro only_keys_by(group_column, keys_by_group, column, quoted=true, whole=false) %}
    {#- only_keys per group, for a model keyed by a group and a key (a kind and a month, a source
        and a year): `keys_by_group` maps each group to its stale keys. `whole`: no filter. -#}
    {%- if whole or not is_incremental() -%}
        true
    {%- elif not keys_by_group -%}
        false
    {%- else -%}
        ({% for group, keys in keys_by_group.items() %}({{ group_column }} = '{{ group }}' and {{ only_keys(column, keys | unique | list, quoted) }}){% if not loop.last %} or {% endif %}{% endfor %})
    {%- endif -%}
{% endmacro %}

{% macro bands_counted_otherwise() %}
    {#- Whether this model's rows were counted with other bands than int_plan_metric_bands gives
        now (band_counting switched): the model then recounts every year. -#}
    {%- if not execute or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select count(*) > 0 from {{ this }}
        where band_counting is distinct from (select any_value(band_counting) from {{ ref('int_plan_metric_bands') }})
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{% endmacro %}

{% macro enterprise_years_hold(as_of) %}
    {#- Whether fct_enterprise_year holds each year of `as_of` (its latest months) up to that month,
        and from that month's latest load: true after a run that built it, false where a run
        selected park_tier_months without it. -#}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select count(*)
        from (
            select year, max(as_of_period) as as_of_period, max(_source_loaded_at) as loaded_at
            from {{ ref('fct_enterprise_year') }}
            where year in ({% for m in as_of %}{{ m[:4] }}{% if not loop.last %}, {% endif %}{% endfor %})
            group by year
        ) as years
        join (
            select period, max(_source_loaded_at) as loaded_at
            from {{ ref('fct_enterprise_month') }}
            where period in ({% for m in as_of %}date '{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
            group by period
        ) as months
            on months.period = years.as_of_period and years.loaded_at >= months.loaded_at
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] == (as_of | length)) }}
{% endmacro %}
