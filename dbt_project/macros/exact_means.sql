{#
  Average headcounts, exactly. An enterprise-year's average headcount is its headcount sum over
  1 to 12 months: a fraction whose denominator divides 27720 (the least common multiple of
  1..12). In 27720ths it is an integer (`headcount_units`), so a sum of averages over any number
  of enterprises and parks is an exact integer sum of units; it becomes a DECIMAL once, at the
  end (`units_to_decimal`), rounded half up at 6 decimals. Summing averages already rounded (to
  2 decimals, as before) drifted: 9,072.60 against the exact 9,072.586. DuckDB divides decimals
  as doubles, hence integer arithmetic throughout.
#}
{% macro headcount_units(headcount_sum, headcount_months) -%}
    (cast({{ headcount_sum }} as hugeint) * 27720 // nullif({{ headcount_months }}, 0))
{%- endmacro %}

{% macro units_to_decimal(units) -%}
    {#- 27720ths (an integer, >= 0) as DECIMAL(38, 6), rounded half up once -#}
    (cast(({{ units }} * 1000000 + 13860) // 27720 // 1000000 as decimal(32, 0))
     + cast(({{ units }} * 1000000 + 13860) // 27720 % 1000000 as decimal(7, 0)) * 0.000001)
{%- endmacro %}
