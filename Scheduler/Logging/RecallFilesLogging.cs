using NLog;
using LogLevel = NLog.LogLevel;
using NLog.Config;
using NLog.Extensions.Logging;
using NLog.Layouts;
using NLog.Targets;
using RecallFiles.Scheduler.Configuration;

namespace RecallFiles.Scheduler.Logging;

/// <summary>
/// NLog behind Microsoft.Extensions.Logging: console (optional), a rolling file
/// <c>{logs}/recallfiles.log</c>, text or JSON (the audit log is <see cref="AuditLog"/>'s own). Every target's
/// layout renders the message and the exception through <c>${phi-mask}</c>, so no target writes a phone
/// or an e-mail unmasked. Each host gets its own <see cref="LogFactory"/> (tests run several in one process).
/// </summary>
internal static class RecallFilesLogging
{
    /// <summary>The main log file's name.</summary>
    public const string LogFileName = "recallfiles.log";

    /// <summary>The audit log file's name (written by <see cref="AuditLog"/>, hash-chained, not by NLog).</summary>
    public const string AuditFileName = "audit.log";

    private const string Masked = "${" + PhiMaskLayoutRenderer.Name + ":inner=${message:withexception=true}}";

    /// <summary>
    /// Builds the log factory for <paramref name="settings"/>. With <paramref name="consoleToStandardError"/> the console
    /// target writes warnings and errors only, to standard error (one-shot commands whose standard output is a report).
    /// </summary>
    public static LogFactory CreateFactory(RecallFilesSettings settings, bool consoleToStandardError = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Logging;
        var folder = settings.LogFolder;
        DataFolders.Create(folder);

        RegisterExtensions();
        var factory = new LogFactory();
        factory.Setup().SetupExtensions(s => s.RegisterLayoutRenderer<PhiMaskLayoutRenderer>(PhiMaskLayoutRenderer.Name)
            .RegisterLayoutRenderer<OneLineLayoutRenderer>(OneLineLayoutRenderer.Name));
        var config = new LoggingConfiguration(factory);
        var json = options.Format == LogFormat.Json;

        var file = new FileTarget("file")
        {
            FileName = Path.Combine(folder, LogFileName),
            Layout = CreateLayout(json),
            ArchiveEvery = FileArchivePeriod.Day,
            ArchiveAboveSize = options.ArchiveAboveSizeMB * 1024L * 1024L,
            MaxArchiveFiles = options.MaxArchiveFiles,
            KeepFileOpen = true,
            AutoFlush = true,
        };
        var min = ToNLog(options.MinLevel);

        // ASP.NET Core's per-request chatter stays below Warning unless asked for explicitly.
        var quiet = Math.Max(min.Ordinal, LogLevel.Warn.Ordinal);
        config.AddRule(new LoggingRule("Microsoft.*") { FinalMinLevel = LogLevel.FromOrdinal(quiet) });
        config.AddRule(new LoggingRule("System.Net.Http.*") { FinalMinLevel = LogLevel.FromOrdinal(quiet) });

        config.AddRule(min, LogLevel.Fatal, file);
        if (options.Console)
        {
            var console = new ConsoleTarget("console") { Layout = CreateLayout(json), StdErr = consoleToStandardError };
            config.AddRule(consoleToStandardError ? LogLevel.FromOrdinal(Math.Max(min.Ordinal, LogLevel.Warn.Ordinal)) : min, LogLevel.Fatal, console);
        }

        factory.Configuration = config;
        return factory;
    }

    /// <summary>A Microsoft.Extensions.Logging factory over <see cref="CreateFactory"/>, for one-shot verbs; disposing it flushes the files.</summary>
    public static Microsoft.Extensions.Logging.ILoggerFactory CreateLoggerFactory(RecallFilesSettings settings, bool consoleToStandardError = true) =>
        new NLogLoggerFactory(ProviderOptions, CreateFactory(settings, consoleToStandardError));

    /// <summary>The provider options every host uses: the LogFactory is flushed and closed with the host.</summary>
    public static NLogProviderOptions ProviderOptions => new() { ShutdownOnDispose = true, RemoveLoggerFactoryFilter = true, ReplaceLoggerFactory = false };

    // Layout strings are parsed with the default extension registry: register ${phi-mask} there once.
    private static void RegisterExtensions() => s_registered.Value.ToString();

    private static readonly Lazy<bool> s_registered = new(() =>
    {
        LogManager.Setup().SetupExtensions(s => s.RegisterLayoutRenderer<PhiMaskLayoutRenderer>(PhiMaskLayoutRenderer.Name)
            .RegisterLayoutRenderer<OneLineLayoutRenderer>(OneLineLayoutRenderer.Name));
        return true;
    });

    private static Layout CreateLayout(bool json) => json
        ? new JsonLayout
        {
            Attributes =
            {
                new JsonAttribute("time", "${date:universalTime=true:format=o}"),
                new JsonAttribute("level", "${level}"),
                new JsonAttribute("logger", "${logger}"),
                new JsonAttribute("message", "${" + PhiMaskLayoutRenderer.Name + ":inner=${message}}"),
                new JsonAttribute("exception", "${" + PhiMaskLayoutRenderer.Name + ":inner=${exception:format=tostring}}"),
            },
        }
        : Layout.FromString("${longdate}|${level:uppercase=true}|${logger}|${" + OneLineLayoutRenderer.Name + ":inner=" + Masked + "}");

    private static LogLevel ToNLog(string level) => level.ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "WARNING" => LogLevel.Warn,
        "ERROR" => LogLevel.Error,
        "CRITICAL" => LogLevel.Fatal,
        _ => LogLevel.Info,
    };
}
