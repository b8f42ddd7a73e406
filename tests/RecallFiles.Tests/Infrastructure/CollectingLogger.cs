using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>An ILogger that keeps what was logged, so a test can count retries or check for leaked secrets.</summary>
public sealed class CollectingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, EventId Id, string Message)> Entries => _entries;

    public int Count(int eventId) => _entries.Count(e => e.Id.Id == eventId);

    public string AllText => string.Join('\n', _entries.Select(e => e.Message));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _entries.Enqueue((logLevel, eventId, formatter(state, exception)));
    }
}
