{#
  Column comments of a relation (persist_docs), without asking DuckDB for its columns again.

  dbt's persist_docs describes the relation and passes only the documented columns it has;
  dbt-duckdb's duckdb__alter_column_comment then described it a second time to filter them
  again: one more query and dbt's bookkeeping for every model built. The statements are
  dbt-duckdb's.
#}
{% macro duckdb__alter_column_comment(relation, column_dict) %}
  {% for column_name in column_dict %}
    {% set comment = column_dict[column_name]['description'] %}
    {% set escaped_comment = duckdb_escape_comment(comment) %}
    comment on column {{ relation }}.{{ adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name }} is {{ escaped_comment }};
  {% endfor %}
{% endmacro %}
