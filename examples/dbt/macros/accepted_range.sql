{# Rows whose value lies outside [min_value, max_value]: a generic test, as dbt-utils has one (this
   project installs no packages, so `dbt build` needs nothing from the network). #}
{% test accepted_range(model, column_name, min_value, max_value) %}
select *
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
