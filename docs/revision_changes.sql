-- What each revision (`<kind>_<month>_v<N>`) changed against the file it replaced: rows added
-- or removed and cells changed, per file; then the changed cells themselves (`delta` is a
-- DOUBLE, the difference of two numbers read as text: rounded here to the fen).
select file_name, superseded_file_name, change, count(*) as records
from meta.revision_changes
group by all
order by all;

select file_name, record_key, column_name, old_value, new_value, round(delta, 2) as delta
from meta.revision_changes
where change = 'changed'
order by file_name, record_key, column_name
limit 8;
