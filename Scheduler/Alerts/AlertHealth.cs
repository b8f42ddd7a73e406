using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>Open incidents for <c>/health</c> (issue 17): a cloud host with any open incident reports <c>Degraded</c>.</summary>
internal static class AlertHealth
{
    /// <summary>How many incidents are open; null on a host without the cloud store or when the store does not answer (its probe fails then).</summary>
    public static async Task<long?> OpenAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<NpgsqlDataSource>() is not { } store)
        {
            return null;
        }

        try
        {
            await using var command = store.CreateCommand("SELECT count(*) FROM alert_incidents WHERE resolved_at IS NULL");
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (NpgsqlException)
        {
            return null;   // the database probe reports the store as failing: Unhealthy already
        }
    }
}
