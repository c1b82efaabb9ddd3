{# park_year_summary's tier counts nest, for every dimension of the tier_thresholds seed:
   T1 or above <= T2 or above <= ... <= the lowest tier or above <= enterprise_count. #}
{% test tier_counts_nest(model) %}
{%- set conditions = [] %}
{%- for dimension, tiers in tier_codes().items() %}
    {%- set columns = [] %}
    {%- for tier in tiers %}
        {%- do columns.append(dimension ~ '_' ~ tier | lower ~ '_or_above_count') %}
    {%- endfor %}
    {%- do columns.append('enterprise_count') %}
    {%- for column in columns[:-1] %}
        {%- do conditions.append(column ~ ' <= ' ~ columns[loop.index]) %}
    {%- endfor %}
{%- endfor %}
select *
from {{ model }}
where not coalesce({{ conditions | join(' and ') if conditions else 'true' }}, false)
{% endtest %}
