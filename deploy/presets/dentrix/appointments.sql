-- RecallFiles preset: Dentrix (G-series, SQL Server), read through ODBC or the SqlServer provider.
--
-- A STARTING POINT, NOT A VERIFIED MAPPING. Check every table and column against the practice's Dentrix
-- version before the first upload (`recallfiles export --once --dry-run` prints the first rows and the
-- contract columns this query leaves empty).
--   From the seed (002, the Dentrix sync query): patients(patient_id, home_phone, cell_phone, email, status),
--     appointments(patient_id, appointment_date, status).
--   Assumed here, to check: appointments.appointment_id, appointments.provider_id, appointments.operatory_id,
--     appointment_date holding the start date AND time, status 'Broken' for broken appointments,
--     providers(provider_id, provider_name), operatories(operatory_id, operatory_name).
-- Portable SQL only (CAST, joins, no vendor functions): the same text runs on SQL Server, MariaDB and PostgreSQL.
-- Never select a patient name or date of birth: the export refuses them.
SELECT a.appointment_id                    AS APP_LID,
       CAST(a.appointment_date AS DATE)    AS APP_DATE,
       CAST(a.appointment_date AS TIME)    AS APP_START_TIME,
       p.home_phone                        AS USER_LANDLINE_PHONE,
       p.cell_phone                        AS USER_MOBILE_PHONE,
       p.email                             AS USER_EMAIL,
       a.provider_id                       AS RESOURCE_LID,
       pr.provider_name                    AS RESOURCE_NAME,
       NULL                                AS RESOURCE_MOBILE_PHONE,   -- not mapped: Dentrix keeps no provider mobile here
       NULL                                AS RESOURCE_EMAIL,          -- not mapped
       a.operatory_id                      AS LOCATION_LID,
       o.operatory_name                    AS LOCATION_NAME
FROM appointments a
JOIN patients p ON p.patient_id = a.patient_id
JOIN providers pr ON pr.provider_id = a.provider_id
LEFT JOIN operatories o ON o.operatory_id = a.operatory_id
WHERE a.status <> 'Broken'
  AND a.appointment_date >= @WindowStart AND a.appointment_date < @WindowEnd
ORDER BY a.appointment_date, a.appointment_id
