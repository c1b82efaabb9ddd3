{#
  Custom schemas are used as they are (staging, intermediate, marts, reference), not prefixed
  with the target schema: one name per layer, the same in every environment. The warehouse
  file itself is what differs between environments (PARKS_WAREHOUSE).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
