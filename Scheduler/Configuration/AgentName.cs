using System.Text;
using Hangfire.Storage;
using Microsoft.Extensions.Configuration;
using RecallFiles.Schemas;

namespace RecallFiles.Scheduler.Configuration;

/// <summary>
/// An agent's name (issue 17): <c>RecallFiles:Agent:Name</c>, 1-40 of <c>a-z 0-9 _</c> (Hangfire's queue-name rules), by
/// default the host name in lower case with every other character as <c>_</c>. Its queue is <c>agent_{name}</c>: agents
/// that share a Hangfire PostgreSQL store each run only their own jobs and remove only their own stale ones.
/// </summary>
internal static class AgentName
{
    /// <summary>The key.</summary>
    public const string Key = "RecallFiles:Agent:Name";

    /// <summary>The queue prefix.</summary>
    public const string QueuePrefix = "agent_";

    /// <summary>The default: this host's name, made a valid agent name.</summary>
    public static string Default { get; } = FromHost(Environment.MachineName);

    /// <summary>The agent's Hangfire queue.</summary>
    public static string QueueOf(string name) => QueuePrefix + name;

    /// <summary>
    /// The queue a recurring job's runs go to: its job's own (Hangfire 1.8's queue overloads, which agents use), else the
    /// recurring job's (<c>default</c>); null when its job cannot be loaded by this process (never touched then).
    /// </summary>
    public static string? QueueOf(RecurringJobDto job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.LoadException is not null || job.Job is null ? null : job.Job.Queue ?? job.Queue ?? "default";
    }

    /// <summary><paramref name="host"/> in lower case, other characters as <c>_</c>, at most 40 characters; <c>agent</c> when nothing is left.</summary>
    public static string FromHost(string host)
    {
        var name = new StringBuilder();
        foreach (var c in (host ?? "").ToLowerInvariant())
        {
            name.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '_');
        }

        var text = name.ToString().Trim('_');
        return text.Length == 0 ? "agent" : text.Length > 40 ? text[..40] : text;
    }

    /// <summary>The configured name (or the default); a wrong one adds an error naming the key.</summary>
    public static string From(IConfiguration configuration, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(errors);
        if (configuration[Key] is not { Length: > 0 } configured)
        {
            return Default;
        }

        if (!AgentHeartbeat.IsAgentName(configured))
        {
            errors.Add($"{Key} '{configured}' is not an agent name: 1-40 characters of a-z 0-9 _ (Hangfire's queue-name rules), such as '{FromHost(configured)}'; " +
                $"leave it unset for the host name ('{Default}')");
            return Default;
        }

        return configured;
    }
}
