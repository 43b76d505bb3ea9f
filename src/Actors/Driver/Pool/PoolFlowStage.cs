using System.Collections.Concurrent;
using System.Threading.Channels;
using ActorParallel.Protocol;
using Akka.Streams;
using Akka.Streams.Stage;
using Akka.Streams.Supervision;

namespace ActorParallel.Driver;

/// <summary>
/// The stage behind <see cref="PoolFlowExtensions"/>: each materialization is one ordered map of the pool,
/// fed with chunks the stage cuts by demand (<see cref="PoolFlowOptions.ChunkSize"/>) and read back in
/// order by a task of its own, which hands results to the stage through an async callback. The stage
/// pulls only while it holds fewer than <see cref="PoolFlowOptions.MaxItemsInFlight"/> elements.
/// </summary>
internal sealed class PoolFlowStage<TIn, TOut> : GraphStage<FlowShape<TIn, TOut>>
{
    private readonly Pool _pool;
    private readonly Delegate _function;
    private readonly PoolFlowOptions _options;

    /// <param name="pool">The pool that runs the function.</param>
    /// <param name="function">The function, of either shape (an element, or an element and a token).</param>
    /// <param name="options">Validated: <see cref="PoolFlowOptions.MaxItemsInFlight"/> is set.</param>
    public PoolFlowStage(Pool pool, Delegate function, PoolFlowOptions options)
    {
        _pool = pool;
        _function = function;
        _options = options;
        Shape = new FlowShape<TIn, TOut>(new Inlet<TIn>("Pool.AsFlow.in"), new Outlet<TOut>("Pool.AsFlow.out"));
    }

    public override FlowShape<TIn, TOut> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("poolAsFlow");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, inheritedAttributes);

    /// <summary>What the reading task hands the stage for one finished chunk (or part of one, if it was split).</summary>
    private sealed record Delivery(TOut[] Results, int Dropped, bool ChunkEnded);

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly PoolFlowStage<TIn, TOut> _stage;
        private readonly Decider _decider;
        private readonly int _chunkSize;
        private readonly int _bound;
        private readonly Channel<TIn[]> _chunks = Channel.CreateUnbounded<TIn[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        /// <summary>The chunks written to <see cref="_chunks"/>, in order, for the reading task to tell which elements a result or failure is for.</summary>
        private readonly ConcurrentQueue<TIn[]> _sent = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Queue<TOut> _ready = new();
        private readonly List<TIn> _pending = [];
        private Action<Delivery>? _onDelivery;
        private Action<Exception>? _onFailure;
        private Action? _onFinished;

        /// <summary>Elements pulled and not yet pushed (or dropped by the decider): the back-pressure bound applies to this.</summary>
        private int _held;

        /// <summary>Elements pushed downstream so far: the next one's position among the results.</summary>
        private long _pushed;
        private int _chunksRunning;
        private bool _upstreamDone;
        private bool _runFinished;

        /// <summary>What ends the stream once the results before it have been pushed.</summary>
        private Exception? _failure;

        public Logic(PoolFlowStage<TIn, TOut> stage, Attributes inheritedAttributes)
            : base(stage.Shape)
        {
            _stage = stage;
            _decider = inheritedAttributes.GetAttribute<ActorAttributes.SupervisionStrategy>(null)?.Decider ?? Deciders.StoppingDecider;
            _chunkSize = stage._options.ChunkSize;
            _bound = stage._options.MaxItemsInFlight!.Value;
            SetHandler(stage.Shape.Inlet, this);
            SetHandler(stage.Shape.Outlet, this);
        }

        private Inlet<TIn> In => _stage.Shape.Inlet;

        private Outlet<TOut> Out => _stage.Shape.Outlet;

        public override void PreStart()
        {
            _onDelivery = GetAsyncCallback<Delivery>(OnDelivery);
            _onFailure = GetAsyncCallback<Exception>(OnRunFailed);
            _onFinished = GetAsyncCallback(OnRunFinished);
            _ = Task.Run(ReadAsync);
            Pull(In);
        }

        public override void OnPush()
        {
            _pending.Add(Grab(In));
            _held++;
            if (_pending.Count >= _chunkSize)
            {
                Send();
            }
            Advance();
        }

        public override void OnUpstreamFinish()
        {
            _upstreamDone = true;
            if (_pending.Count > 0)
            {
                Send();
            }
            _chunks.Writer.TryComplete();
        }

        public override void OnPull() => TryPush();

        public override void PostStop()
        {
            // However the stage ends (downstream cancelled, upstream failed, completion), what is left of its map in the pool is cancelled, as leaving an IMap does.
            _chunks.Writer.TryComplete();
            _ = _stop.CancelAsync();
        }

        /// <summary>Sends the partial chunk if no worker should wait for it, and pulls while under the bound.</summary>
        private void Advance()
        {
            if (_pending.Count > 0 && (_chunksRunning < _stage._pool.Processes || _held >= _bound))
            {
                Send();
            }
            if (!_upstreamDone && !HasBeenPulled(In) && _held < _bound)
            {
                Pull(In);
            }
        }

        private void Send()
        {
            var chunk = _pending.ToArray();
            _pending.Clear();
            _sent.Enqueue(chunk);
            _chunks.Writer.TryWrite(chunk);
            _chunksRunning++;
        }

        private void TryPush()
        {
            if (IsAvailable(Out) && _ready.TryDequeue(out var result))
            {
                if (result is null)
                {
                    // Akka.Streams refuses a null element with a bare ArgumentNullException; say which one, and why.
                    FailStage(new InvalidOperationException(
                        $"pool.AsFlow: the function returned null for element {_pushed} of the stream, and Akka.Streams carries no null elements " +
                        "(Reactive Streams rule 2.13): return a wrapper or a sentinel value instead (MapAsync allows null results)."));
                    return;
                }
                Push(Out, result);
                _pushed++;
                _held--;
            }
            if (_failure is not null)
            {
                if (_ready.Count == 0)
                {
                    FailStage(_failure);
                }
                return;
            }
            if (_runFinished && _ready.Count == 0)
            {
                CompleteStage();
                return;
            }
            Advance();
        }

        private void OnDelivery(Delivery delivery)
        {
            foreach (var result in delivery.Results)
            {
                _ready.Enqueue(result);
            }
            _held -= delivery.Dropped;
            if (delivery.ChunkEnded)
            {
                _chunksRunning--;
            }
            TryPush();
        }

        private void OnRunFailed(Exception error)
        {
            // As IMap: the results before the failure are emitted first (they are all here already).
            _failure = error;
            _ = _stop.CancelAsync();
            TryPush();
        }

        private void OnRunFinished()
        {
            _runFinished = true;
            TryPush();
        }

        /// <summary>The map, from start to end, on a task of its own: results in order to the stage, or the error that ends the stream.</summary>
        private async Task ReadAsync()
        {
            try
            {
                await using var run = _stage._pool.StartChunked<TIn>(_stage._function, _chunkSize, _stage._options.ItemOptions, _chunks.Reader, _stop.Token);
                TIn[]? chunk = null;
                long chunkStart = 0;
                long chunkEnd = 0;
                while (await run.NextOutcomeAsync(_stop.Token).ConfigureAwait(false) is { } done)
                {
                    if (done.Offset >= chunkEnd)
                    {
                        if (!_sent.TryDequeue(out chunk))
                        {
                            throw new InvalidOperationException($"The pool finished items {done.Offset}..{done.Offset + done.Count - 1}, which the flow did not send.");
                        }
                        chunkStart = chunkEnd;
                        chunkEnd += chunk.Length;
                    }
                    var results = done.Error is null
                        ? Decode(done)
                        : await ResumeAsync(new ArraySegment<TIn>(chunk!, (int)(done.Offset - chunkStart), done.Count), done.Error).ConfigureAwait(false);
                    if (results is null)
                    {
                        return;
                    }
                    _onDelivery!(new Delivery(results, done.Count - results.Length, done.Offset + done.Count == chunkEnd));
                }
                _onFinished!();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The stage stopped: nobody waits for the map any more.
            }
            catch (Exception error)
            {
                _onFailure!(error);
            }
        }

        private static TOut[] Decode(ChunkDone done) =>
            done.Segments.Length == 1 ? ChunkCodec.DecodeItems<TOut>(done.Segments[0].Items) : [.. done.Segments.SelectMany(segment => ChunkCodec.DecodeItems<TOut>(segment.Items))];

        /// <summary>
        /// A chunk failed: unless the decider says to stop, runs its elements again one at a time and
        /// returns the results of those that succeed, dropping those the decider resumes past.
        /// <see langword="null"/> when the stream has been failed.
        /// </summary>
        private async Task<TOut[]?> ResumeAsync(ArraySegment<TIn> elements, Exception error)
        {
            if (Decide(error) == Directive.Stop)
            {
                _onFailure!(error);
                return null;
            }
            var singles = Channel.CreateUnbounded<TIn[]>();
            foreach (var element in elements)
            {
                singles.Writer.TryWrite([element]);
            }
            singles.Writer.TryComplete();
            var kept = new List<TOut>(elements.Count);
            await using var rerun = _stage._pool.StartChunked<TIn>(_stage._function, 1, _stage._options.ItemOptions, singles.Reader, _stop.Token);
            while (await rerun.NextOutcomeAsync(_stop.Token).ConfigureAwait(false) is { } one)
            {
                if (one.Error is null)
                {
                    kept.AddRange(Decode(one));
                }
                else if (Decide(one.Error) == Directive.Stop)
                {
                    _onFailure!(one.Error);
                    return null;
                }
            }
            return [.. kept];
        }

        private Directive Decide(Exception error)
        {
            try
            {
                return _decider(error);
            }
            catch (Exception)
            {
                // A decider that throws decides nothing: the error stops the stream, as in Akka.Streams' own stages.
                return Directive.Stop;
            }
        }
    }
}
