using System.Diagnostics;
using ActorParallel.Protocol;

namespace ActorParallel.Workers;

/// <summary>
/// Watches the item the compute thread is running when its map has a deadline, on a thread of its own:
/// the moment the item has run past the deadline it sends <see cref="ItemOverdue"/>, once, while the
/// compute thread is still inside the item (which .NET cannot abort: the router kills the process).
/// The compute thread marks each item's start and end; the watchdog sleeps until the running item's
/// deadline, so a map without a deadline costs nothing and one with a deadline costs two uncontended
/// locks per item.
/// </summary>
internal sealed class ItemWatchdog : IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly object _gate = new();
    private readonly Action<ItemOverdue> _report;
    private readonly Thread _thread;
    private bool _running;
    private bool _reported;
    private bool _disposed;
    private long _mapId;
    private int _seq;
    private int _itemIndex;
    private long _startTicks;
    private long _deadlineTicks;

    public ItemWatchdog(Action<ItemOverdue> report)
    {
        _report = report;
        _thread = new Thread(Watch) { IsBackground = true, Name = "actorparallel-deadlines" };
        _thread.Start();
    }

    /// <summary>The compute thread starts item <paramref name="itemIndex"/> of chunk <paramref name="seq"/>, which may run for <paramref name="timeout"/>.</summary>
    public void Begin(long mapId, int seq, int itemIndex, TimeSpan timeout)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var watcherWaits = !_running || _reported;
            (_mapId, _seq, _itemIndex, _startTicks) = (mapId, seq, itemIndex, now);
            // Saturated: a deadline of years (or TimeSpan.MaxValue) must not wrap around into the past.
            var ticks = timeout.TotalSeconds * Stopwatch.Frequency;
            _deadlineTicks = ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
            _running = true;
            _reported = false;
            if (watcherWaits)
            {
                // A running item's successor always has a later deadline, so only a watchdog waiting for
                // an item (none ran, or it reported the last one) needs waking.
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>The compute thread has left the item.</summary>
    public void End()
    {
        lock (_gate)
        {
            _running = false;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }
    }

    private void Watch()
    {
        while (true)
        {
            ItemOverdue overdue;
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        return;
                    }
                    if (!_running || _reported)
                    {
                        Monitor.Wait(_gate);
                        continue;
                    }
                    var now = Stopwatch.GetTimestamp();
                    if (now < _deadlineTicks)
                    {
                        // At most an hour at a time: Monitor.Wait takes no more than int.MaxValue milliseconds.
                        var remaining = Stopwatch.GetElapsedTime(now, _deadlineTicks) + TimeSpan.FromTicks(1);
                        Monitor.Wait(_gate, remaining < MaxWait ? remaining : MaxWait);
                        continue;
                    }
                    _reported = true;
                    overdue = new ItemOverdue(_mapId, _seq, _itemIndex, (now - _startTicks) * 1_000_000 / Stopwatch.Frequency);
                    break;
                }
            }
            try
            {
                _report(overdue);
            }
            catch (Exception exception)
            {
                WorkerLog.Warning("reporting an overdue item failed: {Reason}", exception.Message);
            }
        }
    }
}
