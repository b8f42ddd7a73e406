using System.Security.Cryptography;
using System.Text;
using Npgsql;
using RecallFiles.Importer.Batches;
using RecallFiles.Importer.Loading;
using RecallFiles.Importer.Practices;
using RecallFiles.Tests.Infrastructure;

namespace RecallFiles.Tests.Importer;

/// <summary>A fresh importer database with an archive folder, and helpers to stage files and read the store.</summary>
internal sealed class ImporterStore : IAsyncDisposable
{
    public const string Header =
        "APP_LID,APP_DATE,APP_START_TIME,USER_LANDLINE_PHONE,USER_MOBILE_PHONE,USER_EMAIL,RESOURCE_LID,RESOURCE_NAME,RESOURCE_MOBILE_PHONE,RESOURCE_EMAIL,LOCATION_LID,LOCATION_NAME";

    public const string HeaderWithStatus = Header + ",STATUS";

    private ImporterStore(string connectionString, string folder)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Folder = folder;
        Loader = new BatchLoader(DataSource);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public string Folder { get; }

    public string ArchiveFolder => Path.Combine(Folder, "archive");

    public BatchLoader Loader { get; }

    public static async Task<ImporterStore> CreateAsync(string prefix, params PracticeOptions[] practices)
    {
        var store = new ImporterStore(await PostgresFixture.CreateDatabaseAsync(prefix), Directory.CreateTempSubdirectory("rf-importer-").FullName);
        await PracticeStore.MirrorAsync(store.DataSource, practices.Length > 0 ? practices : [Practice("ACME")]);
        return store;
    }

    public static PracticeOptions Practice(string id, RowErrorPolicy policy = RowErrorPolicy.RejectRows) => new() { Id = id, RowErrors = policy };

    /// <summary>A valid row (date dd/MM/yyyy).</summary>
    public static string Row(string lid, string date = "24/11/2026", string time = "09:30", string mobile = "+34 600 123 456", string? status = null, string resource = "DDS1") =>
        $"{lid},{date},{time},,{mobile},p.{lid.ToLowerInvariant()}@example.org,{resource},Dr. Molina,,,L1,Main clinic" + (status is null ? "" : "," + status);

    public static string File(params string[] rows) => Header + "\r\n" + string.Concat(rows.Select(r => r + "\r\n"));

    public static string FileWithStatus(params string[] rows) => HeaderWithStatus + "\r\n" + string.Concat(rows.Select(r => r + "\r\n"));

    public static string Name(string practice, string stamp = "20261123T080000Z") => $"APPOINTMENTS_{practice}_{stamp}.csv";

    /// <summary>Registers a file as the pickup would after its download: archived, SHA-256 recorded, state downloaded.</summary>
    public async Task<long> StageAsync(string practice, string fileName, string content) => await StageAsync(practice, fileName, Encoding.UTF8.GetBytes(content));

    public async Task<long> StageAsync(string practice, string fileName, byte[] bytes)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO batches (practice_id, remote_folder, remote_name, remote_size, remote_mtime, file_timestamp, state, claimed_by)
            VALUES ($1, $2, $3, $4, now(), $5, 'claimed', 'test') RETURNING id
            """, connection);
        insert.Parameters.Add(new() { Value = practice });
        insert.Parameters.Add(new() { Value = practice + "/appointments" });
        insert.Parameters.Add(new() { Value = fileName });
        insert.Parameters.Add(new() { Value = (long)bytes.Length });
        insert.Parameters.Add(new() { Value = RecallFiles.Schemas.ContractFileName.TryParse(fileName, out var n, out _) ? n!.Timestamp.UtcDateTime : DateTime.UtcNow });
        var id = (long)(await insert.ExecuteScalarAsync())!;
        var path = Path.Combine(ArchiveFolder, practice, id.ToString(System.Globalization.CultureInfo.InvariantCulture), fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await System.IO.File.WriteAllBytesAsync(path, bytes);
        await using var update = new NpgsqlCommand("UPDATE batches SET state = 'downloaded', sha256 = $2, archive_path = $3 WHERE id = $1", connection);
        update.Parameters.Add(new() { Value = id });
        update.Parameters.Add(new() { Value = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant() });
        update.Parameters.Add(new() { Value = path });
        await update.ExecuteNonQueryAsync();
        return id;
    }

    public async Task<LoadResult> StageAndLoadAsync(string practice, string fileName, string content) =>
        await Loader.LoadAsync(await StageAsync(practice, fileName, content), "test");

    public async Task<Dictionary<string, (bool Removed, string? Mobile, string? Status, DateTime StartsAt)>> AppointmentsAsync(string practice)
    {
        var result = new Dictionary<string, (bool, string?, string?, DateTime)>();
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var select = new NpgsqlCommand("SELECT app_lid, removed, user_mobile_phone, status, starts_at FROM appointments WHERE practice_id = $1", connection);
        select.Parameters.Add(new() { Value = practice });
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = (reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetDateTime(4));
        }

        return result;
    }

    public async Task<List<(long Id, string Practice, string AppLid, string Kind, long? BatchId)>> EventsAsync()
    {
        var result = new List<(long, string, string, string, long?)>();
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var select = new NpgsqlCommand("SELECT id, practice_id, app_lid, kind, batch_id FROM appointment_events ORDER BY id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt64(4)));
        }

        return result;
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] values)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var v in values)
        {
            command.Parameters.Add(new() { Value = v });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<string> StateAsync(long batchId) => await ScalarAsync<string>("SELECT state FROM batches WHERE id = $1", batchId);

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    public static IReadOnlyList<string> States => BatchStates.All;
}
