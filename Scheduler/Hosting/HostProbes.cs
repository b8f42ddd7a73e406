using RecallFiles.Scheduler.Configuration;
using RecallFiles.Scheduler.Health;

namespace RecallFiles.Scheduler.Hosting;

/// <summary>The probes of a role's configuration, for <c>recallfiles check</c> and <c>/health</c>.</summary>
internal static class HostProbes
{
    /// <summary>The agent's probes (when practices are configured) and the cloud's (when the cloud role is configured).</summary>
    public static Task<ProbeCatalog> CreateAsync(RecallFilesSettings settings, HostRole role, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        var catalog = role is HostRole.Agent or HostRole.All ? ProbeCatalog.ForAgent(settings) : new ProbeCatalog();
        if (role is HostRole.All && settings.Agent.Practices.Count == 0 && catalog.Probes.Count == 1)
        {
            // Only the data folder: nothing of the agent is configured.
            catalog = new ProbeCatalog();
        }

        return Task.FromResult(catalog);
    }
}
