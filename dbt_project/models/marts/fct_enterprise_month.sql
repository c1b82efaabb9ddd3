{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period',
    on_schema_change='append_new_columns',
    post_hook=["{{ insert_other_batches(month_batches(['registration', 'tax', 'employment', 'output']), enterprise_month_select) }}"],
) }}
-- One row per enterprise and month in which the enterprise appears in any of the four
-- enterprise extracts (registration, tax, employment, output). Register attributes (park,
-- industry, status) are those of that month's registration snapshot; they are null when the
-- enterprise is not in the register that month.
-- Incremental by month (macros/incremental_periods.sql): a run rebuilds the months whose raw
-- rows were loaded since the last build, and no other. A full build creates the table with the
-- first month and inserts the others one statement per month (the post-hook): each month's
-- joins fit in memory, where one join over every month (or a union of months, which DuckDB
-- plans at once) spills to disk under the memory cap (docs/performance.md).
-- The SELECT itself is macros/enterprise_month_select.sql.

{{ enterprise_month_select(month_batches(['registration', 'tax', 'employment', 'output'])[0]) }}
