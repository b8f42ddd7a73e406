-- The generic-SQL export query of the sample PMS (docs/exporter.md, "Generic SQL").
SELECT app_lid AS APP_LID,
       substr(starts_at, 9, 2) || '/' || substr(starts_at, 6, 2) || '/' || substr(starts_at, 1, 4) AS APP_DATE,
       substr(starts_at, 12, 5) AS APP_START_TIME,
       landline AS USER_LANDLINE_PHONE, mobile AS USER_MOBILE_PHONE, email AS USER_EMAIL,
       resource_lid AS RESOURCE_LID, resource_name AS RESOURCE_NAME,
       resource_mobile AS RESOURCE_MOBILE_PHONE, resource_email AS RESOURCE_EMAIL,
       location_lid AS LOCATION_LID, location_name AS LOCATION_NAME
FROM appointments
WHERE status = 1 AND starts_at >= @WindowStart AND starts_at < @WindowEnd
ORDER BY starts_at, app_lid
