using System.Globalization;
using MySqlConnector;

namespace RecallFiles.Tests.Exporter;

/// <summary>
/// The Open Dental tables an exporter reads (shared/reference/opendental.md), built in MariaDB, with
/// scenario rows for every rule and seeded bulk rows. "Now" for the scenarios is <see cref="Now"/>:
/// Saturday 24 October 2026 10:00 UTC, the day before Europe's clocks go back, so the 72-hour window
/// crosses a DST change in the Madrid clinic.
/// </summary>
internal static class OpenDentalDatabase
{
    public static readonly DateTimeOffset Now = new(2026, 10, 24, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The DDL, shared with the benchmark and the docs: sample-data/opendental/schema.sql.</summary>
    public static string Ddl => File.ReadAllText(Path.Combine(SampleData.RepoPaths.SampleData, "opendental", "schema.sql"));

    /// <summary>Creates the tables and the scenario data in <paramref name="connectionString"/>'s database; <paramref name="bulk"/> adds seeded rows.</summary>
    public static async Task CreateAsync(string connectionString, int bulk = 60)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecAsync(connection, Ddl);
        await ExecAsync(connection, """
            -- Sessions are UTC here: DateTStamp columns must not depend on the server's zone.
            INSERT INTO clinic (ClinicNum, Description, Abbr, TimeZone) VALUES
              (1, 'Clínica Centro', 'CEN', 'Europe/Madrid'),
              (2, 'Midtown Dental NYC', 'NYC', 'America/New_York');
            INSERT INTO provider (ProvNum, Abbr, LName, FName, PreferredName, IsHidden) VALUES
              (1, 'DDS1', 'Molina', 'Ana', 'Dra. Molina', 0),
              (2, 'HYG1', 'Ruiz', 'Luis', '', 0),
              (3, 'DDS2', 'Old', 'Retired', 'Dr. Old (retired)', 1),
              (4, 'DDS3', 'Park', 'Jin', 'Dr. Park', 0);
            INSERT INTO operatory (OperatoryNum, OpName, Abbrev, ClinicNum) VALUES (1, 'Gabinete 1', 'G1', 1), (2, 'Op 1', 'O1', 2);
            INSERT INTO definition (DefNum, Category, ItemOrder, ItemName) VALUES
              (19, 2, 0, 'Unconfirmed'), (21, 2, 2, 'Appointment Confirmed');
            -- Patients: names exist in the PMS and must never reach the file.
            INSERT INTO patient (PatNum, LName, FName, PatStatus, Birthdate, HmPhone, WkPhone, WirelessPhone, Email, TxtMsgOk, PreferConfirmMethod, Language, ClinicNum) VALUES
              (1, 'Zapatero', 'Zoe', 0, '1980-02-03', '(91) 555-1234', '', '600 12 34 56', 'p0001@example.org', 1, 0, 'es', 1),
              (2, 'Quintana', 'Quique', 0, '0001-01-01', '91.555.12.34 ext 2', '', '', '', 0, 0, '', 1),
              (3, 'Xylo', 'Xavi', 0, '1975-05-05', '', '', '0034 600 123 457', 'not-an-email', 2, 0, 'spa', 1),
              (4, 'Wolff', 'Wanda', 0, '1990-01-01', '915 551 235', '915 551 236', '611-22-33-44', 'p0004@example.net', 1, 1, 'English', 1),
              (5, 'Vega', 'Victor', 5, '1940-01-01', '', '', '622 33 44 55', 'p0005@example.org', 1, 0, '', 1),
              (6, 'Underwood', 'Uma', 0, '1985-07-07', 'call mum', '', '+1 (212) 555-0101', 'p0006@example.com', 1, 0, 'en', 2),
              (7, 'Torres', 'Tina', 0, '1999-09-09', '', '', '', '', 0, 0, '', 1);
            """);

        // AptNum, PatNum, status, local date time, pattern, ProvNum, ProvHyg, IsHygiene, clinic, op
        var scenarios = new (int Apt, int Pat, int Status, string Local, string Pattern, int Prov, int Hyg, int IsHyg, int Clinic, int Op)[]
        {
            (101, 1, 1, "2026-10-23 12:00:00", "XXXXXX", 1, 0, 0, 1, 1),   // exactly the window start (10:00Z): in
            (102, 1, 1, "2026-10-23 11:59:00", "XXXX", 1, 0, 0, 1, 1),     // one minute before: out
            (103, 2, 1, "2026-10-27 10:59:00", "XXXX", 1, 0, 0, 1, 1),     // 09:59Z after the clocks went back: in
            (104, 2, 1, "2026-10-27 11:00:00", "XXXX", 1, 0, 0, 1, 1),     // 10:00Z, the window end: out
            (105, 3, 1, "2026-10-25 02:30:00", "XXXXXX", 1, 0, 0, 1, 1),   // the repeated hour: first occurrence
            (106, 4, 2, "2026-10-24 09:00:00", "XXXX", 1, 0, 0, 1, 1),     // Complete, in the past: in
            (107, 4, 2, "2026-10-25 10:00:00", "XXXX", 1, 0, 0, 1, 1),     // Complete, in the future: out
            (108, 1, 5, "2026-10-24 16:00:00", "XXXX", 1, 0, 0, 1, 1),     // Broken: out
            (109, 1, 6, "2026-10-25 16:00:00", "XXXX", 1, 0, 0, 1, 1),     // Planned: out
            (110, 1, 3, "2026-10-25 17:00:00", "XXXX", 1, 0, 0, 1, 1),     // Unscheduled list: out
            (111, 5, 1, "2026-10-24 17:00:00", "XXXX", 1, 0, 0, 1, 1),     // deceased patient: out
            (112, 2, 1, "2026-10-25 09:15:00", "XXXXXXXX", 3, 0, 0, 1, 1), // hidden provider: still the resource
            (113, 1, 1, "2026-10-26 09:00:00", "XXXXXXXXX", 1, 2, 1, 1, 1),// hygiene visit: the hygienist by default
            (114, 6, 1, "2026-10-23 06:00:00", "XXXXXX", 4, 0, 0, 2, 2),   // New York 06:00 EDT = 10:00Z: in
            (115, 6, 1, "2026-10-23 05:59:00", "XXXXXX", 4, 0, 0, 2, 2),   // New York 05:59 EDT: out
            (116, 7, 1, "2026-10-26 12:00:00", "", 1, 0, 0, 1, 1),         // no contact at all, no pattern
            (117, 1, 1, "0001-01-01 00:00:00", "XXXX", 1, 0, 0, 1, 1),     // an empty date: ignored
        };
        foreach (var s in scenarios)
        {
            await ExecAsync(connection, string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO appointment (AptNum, PatNum, AptStatus, AptDateTime, Pattern, ProvNum, ProvHyg, IsHygiene, ClinicNum, Op, Note)
                VALUES ({s.Apt}, {s.Pat}, {s.Status}, '{s.Local}', '{s.Pattern}', {s.Prov}, {s.Hyg}, {s.IsHyg}, {s.Clinic}, {s.Op}, 'Patient says hi')
                """));
        }

        // A zero date where Open Dental sometimes keeps one: must not break reading.
        await ExecAsync(connection, "SET SESSION sql_mode = ''; UPDATE appointment SET DateTimeArrived = '0000-00-00 00:00:00' WHERE AptNum = 101");

        var random = new Random(20261024);
        for (var i = 0; i < bulk; i++)
        {
            var patient = 1000 + i;
            var mobile = random.Next(4) switch
            {
                0 => $"6{random.Next(10_000_000, 99_999_999)}",
                1 => $"+34 6{random.Next(10, 99)} {random.Next(100, 999)} {random.Next(100, 999)}",
                2 => $"(6{random.Next(10, 99)}) {random.Next(100, 999)}-{random.Next(1000, 9999)}",
                _ => "",
            };
            await ExecAsync(connection, string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO patient (PatNum, LName, FName, WirelessPhone, Email, TxtMsgOk, ClinicNum)
                VALUES ({patient}, 'Bulk{i}', 'Name{i}', '{mobile}', '{(random.Next(3) == 0 ? "" : $"p{i}@example.org")}', {random.Next(3)}, 1)
                """));
            var local = new DateTime(2026, 10, 23, 8, 0, 0).AddMinutes(15 * random.Next(0, 4 * 24 * 4));
            await ExecAsync(connection, string.Create(CultureInfo.InvariantCulture, $"""
                INSERT INTO appointment (PatNum, AptStatus, AptDateTime, Pattern, ProvNum, ClinicNum, Op)
                VALUES ({patient}, {(random.Next(10) == 0 ? 5 : 1)}, '{local:yyyy-MM-dd HH:mm:ss}', '{new string('X', 2 + random.Next(10))}', {1 + random.Next(2)}, 1, 1)
                """));
        }
    }

    private static async Task ExecAsync(MySqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
