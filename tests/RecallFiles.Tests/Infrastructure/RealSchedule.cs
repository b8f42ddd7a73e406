using Cronos;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// Hangfire's recurring-job scheduler reads the real clock, not the host's <see cref="TimeProvider"/>: a test that starts
/// a host with a practice's cron and counts the runs it triggered itself would count one more if the real schedule fired
/// while it ran. Such a test waits here first until the schedule's next real firing is further away than it runs.
/// </summary>
internal static class RealSchedule
{
    /// <summary>
    /// Waits (at most <paramref name="runsFor"/> and a little) until <paramref name="cron"/> in <paramref name="timeZoneId"/>
    /// does not fire within <paramref name="runsFor"/> of now; returns how long it waited.
    /// </summary>
    public static async Task<TimeSpan> AwaitQuietAsync(string cron, string timeZoneId, TimeSpan runsFor, CancellationToken cancellationToken)
    {
        var expression = CronExpression.Parse(cron);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);
        var waited = TimeSpan.Zero;
        while (expression.GetNextOccurrence(DateTime.UtcNow, zone) is { } next && next - DateTime.UtcNow < runsFor)
        {
            var wait = next - DateTime.UtcNow + TimeSpan.FromSeconds(5);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
                waited += wait;
            }
        }

        return waited;
    }
}
