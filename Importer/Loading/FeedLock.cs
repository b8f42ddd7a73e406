using Npgsql;
using RecallFiles.Importer.Database;

namespace RecallFiles.Importer.Loading;

/// <summary>The feed lock (<see cref="FeedLockKey"/>), taken once per load just before its first event.</summary>
internal sealed class FeedLock
{
    // Event ids must become visible in id order, or a consumer reading "id > cursor" could skip an id that commits
    // after a higher one. Loads take this transaction lock just before their first event, so the event phase and
    // commit of two loads never interleave (loads of the same practice are serialized by the practices row lock anyway).
    public const long FeedLockKey = 0x5265_6361_6c6c_4602;

    private bool _held;

    public async Task AcquireAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (_held)
        {
            return;
        }

        await AdvisoryLock.TransactionLockAsync(connection, transaction, FeedLockKey, cancellationToken);
        _held = true;
    }
}
