using System.Data.Common;
using System.Text.Json;
using MySqlConnector;
using Npgsql;
using RecallFiles.Exporter;
using RecallFiles.Exporter.StatusApply;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Exporter;

/// <summary>The PMS presets of deploy/presets/: a real database laid out as a preset expects, with six appointments.</summary>
internal static class PresetPms
{
    public const string Dentrix = "dentrix";
    public const string Eaglesoft = "eaglesoft";
    public const string MariaDb = "MariaDB";
    public const string PostgreSql = "PostgreSQL";

    /// <summary>The appointments the window of <see cref="OpenDentalDatabase.Now"/> (Europe/Madrid) exports, in order.</summary>
    public static readonly string[] Exported = ["1", "3", "4"];

    public static string Folder(string preset) => Path.Combine(Approved.RepoRoot, "deploy", "presets", preset);

    /// <summary>A database laid out as <paramref name="preset"/> expects on <paramref name="server"/>: the native provider and connection string, and the ODBC one.</summary>
    public static async Task<(SqlProvider Native, string NativeConnectionString, string OdbcConnectionString)> CreateAsync(string preset, string server)
    {
        var timestamp = server == MariaDb ? "datetime" : "timestamp";
        var ddl = (preset == Dentrix ? DentrixLayout : EaglesoftLayout).Replace("{timestamp}", timestamp, StringComparison.Ordinal);
        if (server == MariaDb)
        {
            var maria = await OdbcConnections.MariaDbAsync();
            var connectionString = await maria.CreateDatabaseAsync($"{preset}_{Guid.NewGuid():N}"[..30]);
            await ExecuteAsync(new MySqlConnection(connectionString), ddl);
            return (SqlProvider.MySql, connectionString, OdbcConnections.MariaDb(connectionString));
        }

        // An empty database, not the fixture's migrated one: the importer has an "appointments" table of its own.
        var admin = await PostgresFixture.AdminConnectionStringAsync();
        var name = $"{preset}_{Guid.NewGuid():N}";
        await ExecuteAsync(new NpgsqlConnection(admin), $"CREATE DATABASE {name}");
        var pg = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        await ExecuteAsync(new NpgsqlConnection(pg), ddl);
        return (SqlProvider.PostgreSql, pg, OdbcConnections.PostgreSql(pg));
    }

    /// <summary>Opens <paramref name="connection"/>, runs <paramref name="sql"/> (several statements allowed) and disposes it.</summary>
    public static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The practice of the preset's practice.json, pointed at this database and the repository's query file.</summary>
    public static PracticeExportOptions Practice(string preset, SqlProvider provider, string connectionString)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder(preset), "practice.json")), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var root = json.RootElement;
        var status = root.GetProperty("Status");
        string Sql(string name) => status.GetProperty(name).GetString()!;
        return new PracticeExportOptions
        {
            PracticeId = preset.ToUpperInvariant(),
            Source = Enum.Parse<SourceKind>(root.GetProperty("Source").GetString()!),
            Provider = provider,
            ConnectionString = connectionString,
            QueryFile = Path.Combine(Folder(preset), "appointments.sql"),
            TimeZone = "Europe/Madrid",
            DefaultCountryCode = "34",
            ExtensionColumns = root.TryGetProperty("ExtensionColumns", out var extensions) ? [.. extensions.EnumerateArray().Select(e => e.GetString()!)] : [],
            Status = new StatusApplyOptions
            {
                Enabled = status.GetProperty("Enabled").GetBoolean(),
                LookupSql = Sql("LookupSql"),
                ApprovedSql = Sql("ApprovedSql"),
                CancelledByUserSql = Sql("CancelledByUserSql"),
                CancelledByAdminSql = Sql("CancelledByAdminSql"),
                PendingSql = Sql("PendingSql"),
            },
        };
    }

    private const string DentrixLayout = """
        CREATE TABLE patients (patient_id int PRIMARY KEY, first_name varchar(40), last_name varchar(40), home_phone varchar(30),
                               cell_phone varchar(30), email varchar(80), status varchar(20));
        CREATE TABLE providers (provider_id int PRIMARY KEY, provider_name varchar(60) NOT NULL);
        CREATE TABLE operatories (operatory_id int PRIMARY KEY, operatory_name varchar(60));
        CREATE TABLE appointments (appointment_id int PRIMARY KEY, patient_id int NOT NULL, appointment_date {timestamp} NOT NULL,
                                   provider_id int NOT NULL, operatory_id int, status varchar(20) NOT NULL, procedure_code varchar(10));
        INSERT INTO patients VALUES (10, 'Zacarías', 'Zurita', NULL, '600 11 22 33', 'v1@example.org', 'Active'),
                                    (11, 'Yolanda', 'Yuste', '91 555 00 01', NULL, NULL, 'Active'),
                                    (12, 'Xenia', 'Xirau', NULL, '+34 611 000 111', NULL, 'Active');
        INSERT INTO providers VALUES (1, 'Dr. Sol'), (2, 'Dr. Luna');
        INSERT INTO operatories VALUES (1, 'Op 1'), (2, 'Op 2');
        INSERT INTO appointments VALUES (1, 10, '2026-10-23 12:00:00', 1, 1, 'Scheduled', 'D1110'), (2, 10, '2026-10-23 11:59:00', 1, 1, 'Scheduled', NULL),
                                        (3, 11, '2026-10-25 02:30:00', 2, 2, 'Scheduled', NULL), (4, 12, '2026-10-27 10:59:00', 2, NULL, 'Scheduled', NULL),
                                        (5, 12, '2026-10-27 11:00:00', 2, 2, 'Scheduled', NULL), (6, 10, '2026-10-26 09:00:00', 1, 1, 'Broken', NULL);
        """;

    private const string EaglesoftLayout = """
        CREATE TABLE patient (id int PRIMARY KEY, firstname varchar(40), lastname varchar(40), home_phone varchar(30),
                              wireless_phone varchar(30), email varchar(80), status int);
        CREATE TABLE provider (id int PRIMARY KEY, name varchar(60) NOT NULL);
        CREATE TABLE chair (id int PRIMARY KEY, name varchar(60));
        CREATE TABLE appointment (appointment_id int PRIMARY KEY, patient_id int NOT NULL, start_time {timestamp} NOT NULL, end_time {timestamp} NOT NULL,
                                  provider_id int NOT NULL, chair_id int, status varchar(20) NOT NULL);
        INSERT INTO patient VALUES (10, 'Zacarías', 'Zurita', NULL, '600 11 22 33', 'v1@example.org', 1),
                                   (11, 'Yolanda', 'Yuste', '91 555 00 01', NULL, NULL, 1),
                                   (12, 'Xenia', 'Xirau', NULL, '+34 611 000 111', NULL, 1);
        INSERT INTO provider VALUES (1, 'Dr. Sol'), (2, 'Dr. Luna');
        INSERT INTO chair VALUES (1, 'Chair 1'), (2, 'Chair 2');
        INSERT INTO appointment VALUES (1, 10, '2026-10-23 12:00:00', '2026-10-23 12:30:00', 1, 1, 'Scheduled'),
                                       (2, 10, '2026-10-23 11:59:00', '2026-10-23 12:29:00', 1, 1, 'Scheduled'),
                                       (3, 11, '2026-10-25 02:30:00', '2026-10-25 03:15:00', 2, 2, 'Scheduled'),
                                       (4, 12, '2026-10-27 10:59:00', '2026-10-27 11:14:00', 2, NULL, 'Scheduled'),
                                       (5, 12, '2026-10-27 11:00:00', '2026-10-27 11:15:00', 2, 2, 'Scheduled'),
                                       (6, 10, '2026-10-26 09:00:00', '2026-10-26 09:20:00', 1, 1, 'Cancelled');
        """;
}
