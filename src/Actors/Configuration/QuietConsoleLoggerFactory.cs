using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ActorParallel.Configuration;

/// <summary>
/// Where ActorParallel's log goes when the application gives no <see cref="ILoggerFactory"/>
/// (<see cref="ParallelRuntimeOptions.LoggerFactory"/>): warnings and errors only, one line each on
/// stderr, as Python's <c>logging</c> prints a record that no handler took (<c>logging.lastResort</c>).
/// A line reads <c>[WARNING] 19:13:00.678 ActorParallel.Pool: message</c>, followed by the exception, if any.
/// </summary>
internal sealed class QuietConsoleLoggerFactory : ILoggerFactory
{
    /// <summary>The lowest level printed.</summary>
    public const LogLevel MinimumLevel = LogLevel.Warning;

    private QuietConsoleLoggerFactory()
    {
    }

    public static QuietConsoleLoggerFactory Instance { get; } = new();

    public ILogger CreateLogger(string categoryName) => new QuietConsoleLogger(categoryName);

    /// <summary>Providers are the application's business: a factory of its own takes them.</summary>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("ActorParallel's default console log takes no providers: give ParallelRuntimeOptions.LoggerFactory a factory of your own.");

    public void Dispose()
    {
    }

    /// <summary>The line a record is printed as (without the exception).</summary>
    public static string Format(LogLevel level, string category, string message, DateTimeOffset time) =>
        $"[{Name(level)}] {time.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {category}: {message}";

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Critical => "CRITICAL",
        LogLevel.Error => "ERROR",
        LogLevel.Warning => "WARNING",
        LogLevel.Information => "INFO",
        LogLevel.Debug => "DEBUG",
        _ => "TRACE",
    };

    private sealed class QuietConsoleLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var line = Format(logLevel, category, formatter(state, exception), DateTimeOffset.Now);
            try
            {
                // Console.Error is synchronized: lines of different threads never mix.
                Console.Error.WriteLine(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
            }
            catch (Exception error) when (error is IOException or ObjectDisposedException)
            {
                // A closed or broken stderr must not fail the caller.
            }
        }
    }
}
