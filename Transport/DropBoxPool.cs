using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RecallFiles.Transport;

/// <summary>
/// Keeps drop boxes (and so their SSH or FTP sessions) open between uses, per drop box configuration: a server that polls
/// hundreds of practices on one SFTP server opens a handful of sessions instead of one per practice poll (issue 18: the
/// key exchange — SSH.NET's post-quantum sntrup761x25519 among them — was the largest single cost of a small file).
/// A lease gives one user a drop box to itself (a drop box runs one operation at a time); returning it keeps it open for
/// the next lease of the same configuration, up to <see cref="MaxIdle"/> per configuration and for at most
/// <see cref="IdleTimeout"/>. A drop box reconnects by itself after its session dropped.
/// </summary>
public sealed class DropBoxPool : IAsyncDisposable
{
    private readonly Dictionary<DropBoxOptions, Stack<(IDropBox DropBox, DateTimeOffset Since)>> _idle = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Creates an empty pool.</summary>
    public DropBoxPool(TimeProvider? time = null, ILogger? logger = null)
    {
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Idle drop boxes kept per configuration (default 8: the default number of polls at once, and then some).</summary>
    public int MaxIdle { get; init; } = 8;

    /// <summary>How long an idle drop box is kept (default 2 minutes; the next poll of a practice comes within one).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Idle drop boxes held now, over every configuration.</summary>
    public int IdleCount
    {
        get
        {
            lock (_gate)
            {
                return _idle.Values.Sum(s => s.Count);
            }
        }
    }

    /// <summary>A drop box of <paramref name="options"/> for the caller alone, until the lease is disposed.</summary>
    public async ValueTask<DropBoxLease> RentAsync(DropBoxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<IDropBox> expired = [];
        IDropBox? found = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow();
            if (_idle.TryGetValue(options, out var stack))
            {
                while (found is null && stack.TryPop(out var entry))
                {
                    if (now - entry.Since <= IdleTimeout)
                    {
                        found = entry.DropBox;
                    }
                    else
                    {
                        expired.Add(entry.DropBox);
                    }
                }
            }
        }

        foreach (var old in expired)
        {
            await old.DisposeAsync();
        }

        return new DropBoxLease(this, options, found ?? DropBoxFactory.Create(options, _time, _logger));
    }

    internal async ValueTask ReturnAsync(DropBoxOptions options, IDropBox dropBox)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                if (!_idle.TryGetValue(options, out var stack))
                {
                    _idle[options] = stack = new Stack<(IDropBox, DateTimeOffset)>();
                }

                if (stack.Count < MaxIdle)
                {
                    stack.Push((dropBox, _time.GetUtcNow()));
                    return;
                }
            }
        }

        await dropBox.DisposeAsync();
    }

    /// <summary>Closes every idle drop box; leases still out close theirs when returned.</summary>
    public async ValueTask DisposeAsync()
    {
        List<IDropBox> all;
        lock (_gate)
        {
            _disposed = true;
            all = _idle.Values.SelectMany(s => s.Select(e => e.DropBox)).ToList();
            _idle.Clear();
        }

        foreach (var dropBox in all)
        {
            await dropBox.DisposeAsync();
        }
    }
}

/// <summary>One user's drop box from a <see cref="DropBoxPool"/>; disposing it gives the drop box back.</summary>
public sealed class DropBoxLease : IAsyncDisposable
{
    private readonly DropBoxPool _pool;
    private readonly DropBoxOptions _options;
    private bool _returned;

    internal DropBoxLease(DropBoxPool pool, DropBoxOptions options, IDropBox dropBox)
    {
        _pool = pool;
        _options = options;
        DropBox = dropBox;
    }

    /// <summary>The drop box, the caller's alone until the lease is disposed.</summary>
    public IDropBox DropBox { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_returned)
        {
            return;
        }

        _returned = true;
        await _pool.ReturnAsync(_options, DropBox);
    }
}
