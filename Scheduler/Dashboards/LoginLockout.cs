using System.Collections.Concurrent;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Dashboards;

/// <summary>
/// Lockout after repeated failed logins (issue 12): <see cref="DashboardSettings.LockoutFailures"/> failures of one login
/// name, or <see cref="DashboardSettings.AddressLockoutFailures"/> from one address, within
/// <see cref="DashboardSettings.LockoutMinutes"/> lock that name (or address) for that long — a right password does not
/// get in meanwhile. Unknown names are counted like known ones, so a lock does not tell which names exist. The clock is
/// injected. The raw request rate per address is capped separately by ASP.NET Core's rate limiter on <c>POST /login</c>.
/// </summary>
internal sealed class LoginLockout(DashboardSettings settings, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    private TimeSpan Window => TimeSpan.FromMinutes(settings.LockoutMinutes);

    /// <summary>When the login or the address is locked, until when; null otherwise.</summary>
    public DateTimeOffset? LockedUntil(string login, string address)
    {
        var now = time.GetUtcNow();
        var until = new[] { Get("login:" + login), Get("address:" + address) }
            .Where(c => c is { LockedUntil: { } u } && u > now).Select(c => c!.LockedUntil).Max();
        return until;
    }

    /// <summary>Counts a failed attempt; returns true when it locked the login or the address.</summary>
    public bool Fail(string login, string address) =>
        Count("login:" + login, settings.LockoutFailures) | Count("address:" + address, settings.AddressLockoutFailures);

    /// <summary>A successful login clears its name's failures (not the address's).</summary>
    public void Succeed(string login) => _counters.TryRemove("login:" + login, out _);

    private Counter? Get(string key) => _counters.TryGetValue(key, out var counter) ? counter : null;

    private bool Count(string key, int limit)
    {
        var now = time.GetUtcNow();
        var counter = _counters.GetOrAdd(key, _ => new Counter());
        lock (counter)
        {
            if (counter.LockedUntil is { } until && until <= now)
            {
                counter.LockedUntil = null;
                counter.Failures.Clear();
            }

            counter.Failures.Enqueue(now);
            while (counter.Failures.TryPeek(out var first) && now - first >= Window)
            {
                counter.Failures.Dequeue();
            }

            if (counter.LockedUntil is null && counter.Failures.Count >= limit)
            {
                counter.LockedUntil = now + Window;
                return true;
            }

            return false;
        }
    }

    private sealed class Counter
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public DateTimeOffset? LockedUntil { get; set; }
    }
}
