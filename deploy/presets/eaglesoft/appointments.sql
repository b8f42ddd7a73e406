-- RecallFiles preset: Eaglesoft (SQL Anywhere), read through ODBC (the SQL Anywhere driver and a DSN).
--
-- A STARTING POINT, NOT A VERIFIED MAPPING. Check every table and column against the practice's Eaglesoft
-- version before the first upload (`recallfiles export --once --dry-run` prints the first rows and the
-- contract columns this query leaves empty).
--   From the seed (002, the Eaglesoft sync query): patient(id, home_phone, wireless_phone, email, status),
--     appointment(patient_id, status).
--   Assumed here, to check: appointment.appointment_id, appointment.start_time and end_time (date and time),
--     appointment.provider_id, appointment.chair_id, status 'Cancelled' for cancelled appointments,
--     provider(id, name), chair(id, name).
-- Portable SQL only (CAST, joins, no vendor functions): the same text runs on SQL Anywhere, PostgreSQL and MariaDB.
-- Never select a patient name or date of birth: the export refuses them.
SELECT a.appointment_id                    AS APP_LID,
       CAST(a.start_time AS DATE)          AS APP_DATE,
       CAST(a.start_time AS TIME)          AS APP_START_TIME,
       CAST(a.end_time AS TIME)            AS APP_END_TIME,            -- extension: add APP_END_TIME to ExtensionColumns
       p.home_phone                        AS USER_LANDLINE_PHONE,
       p.wireless_phone                    AS USER_MOBILE_PHONE,
       p.email                             AS USER_EMAIL,
       a.provider_id                       AS RESOURCE_LID,
       pr.name                             AS RESOURCE_NAME,
       NULL                                AS RESOURCE_MOBILE_PHONE,   -- not mapped
       NULL                                AS RESOURCE_EMAIL,          -- not mapped
       a.chair_id                          AS LOCATION_LID,
       c.name                              AS LOCATION_NAME
FROM appointment a
JOIN patient p ON p.id = a.patient_id
JOIN provider pr ON pr.id = a.provider_id
LEFT JOIN chair c ON c.id = a.chair_id
WHERE a.status <> 'Cancelled'
  AND a.start_time >= @WindowStart AND a.start_time < @WindowEnd
ORDER BY a.start_time, a.appointment_id
