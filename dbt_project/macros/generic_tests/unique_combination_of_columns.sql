{#
  The combination of the given columns is unique (a compound key). Rows where a key column is
  null count as their own value, so a null key part cannot hide a duplicate.

  rebuilt_by: for a table rebuilt a partition at a time (a key column: month, year) whose rows
  record when they were written (_built_at), only the partitions written since the last
  successful build (meta.dbt_builds) are checked: a duplicate lies within one partition, and the
  others passed when they were written. A build that failed records nothing, so the next one
  checks its partitions again; a full build, or a warehouse without a build record, checks all.
#}
{% test unique_combination_of_columns(model, combination_of_columns, rebuilt_by=none) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
{%- if rebuilt_by %}
where {{ rebuilt_by }} in (
    select {{ rebuilt_by }} from {{ model }}
    where _built_at > (
        select coalesce(max(finished_at), '-infinity'::timestamp)
        from {{ source('meta', 'dbt_builds') }}
    )
)
{%- endif %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
