{#
  The combination of the given columns is unique (a compound key). Rows where a key column is
  null count as their own value, so a null key part cannot hide a duplicate.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
