{#
  A view, replaced in one statement: `create or replace view`, then its comments (persist_docs),
  in one transaction.

  dbt's own view materialization creates the view under a temporary name, renames the old one
  to a backup, renames the new one into place and drops the backup after the commit: four
  catalog changes and dbt's bookkeeping for each, where DuckDB replaces a view in one. A view
  holds no data and binds its names when queried, so the views and tables that read it are not
  touched, and readers of the warehouse see the old view or the new one with its comments,
  never neither. A relation of another type under the name (a model that was a table) is
  dropped first.
#}
{% materialization view, adapter='duckdb' %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set grant_config = config.get('grants') -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if existing_relation is not none and not existing_relation.is_view %}
    {{ adapter.drop_relation(existing_relation) }}
  {%- endif %}

  {% call statement('main') -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    create or replace view {{ target_relation }} as (
      {{ sql }}
    );
  {%- endcall %}

  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke(existing_relation, full_refresh_mode=True)) %}
  {% do persist_docs(target_relation, model) %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
