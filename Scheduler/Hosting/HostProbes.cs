using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Health;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>The probes of a role's configuration, for <c>recallfiles check</c> and <c>/health</c>.</summary>
internal static class HostProbes
{
    /// <summary>
    /// The agent's probes (when practices are configured) and the cloud's (<paramref name="cloud"/>: its database, each
    /// drop box with host key and login, and its practices' folders), so <c>check</c> and <c>/health</c> cover the same parts.
    /// </summary>
    public static ProbeCatalog Create(RecallFilesSettings settings, HostRole role, ImportSettings? cloud)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var catalog = role is HostRole.Agent or HostRole.All ? ProbeCatalog.ForAgent(settings) : new ProbeCatalog();
        if (role is HostRole.All && settings.Agent.Practices.Count == 0 && catalog.Probes.Count == 1)
        {
            // Only the data folder: nothing of the agent is configured.
            catalog = new ProbeCatalog();
        }

        if (cloud is not null && role is HostRole.Cloud or HostRole.All)
        {
            CloudProbes.AddTo(catalog, cloud);
        }

        return catalog;
    }
}

/// <summary>The cloud's parts <c>/health</c> checks: its settings with the store's connection string (the private cluster's too).</summary>
internal sealed record CloudHealthTarget(ImportSettings Settings);
