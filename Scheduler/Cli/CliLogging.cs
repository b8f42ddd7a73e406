using Microsoft.Extensions.Logging;

namespace RecallFiles.Scheduler.Cli;

/// <summary>Logging for one-shot CLI verbs: warnings and errors to standard error, phones and e-mails masked. The host's NLog setup replaces it under 'run'.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(TextWriter error) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning).AddProvider(new WriterLoggerProvider(error)));

    private sealed class WriterLoggerProvider(TextWriter writer) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new WriterLogger(writer);

        public void Dispose()
        {
        }
    }

    private sealed class WriterLogger(TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                writer.WriteLine($"{logLevel.ToString().ToLowerInvariant()}: {Logging.PhiText.Mask(formatter(state, exception))}");
            }
        }
    }
}
