-- Every target names a scope exactly when its metric is counted per scope (its items are
-- enterprises), so each target finds its actual: a plan_targets row of an enterprise metric
-- without enterprise_scope, or a project or carrier target with one, would show 无数据 for
-- want of a matching actual. Returns the offending targets.
with scoped_metrics as (
    select metric, bool_or(enterprise_scope is not null) as is_scoped
    from {{ ref('int_attainment_actuals') }}
    group by metric
)

select targets.park_code, targets.year, targets.metric, targets.enterprise_scope
from {{ ref('plan_targets') }} as targets
inner join scoped_metrics
    on scoped_metrics.metric = targets.metric
where (targets.enterprise_scope is not null) <> scoped_metrics.is_scoped
