using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RecallFiles.Transport.Internal;

namespace RecallFiles.Transport;

/// <summary>
/// The one pickup pipeline every incoming flow runs on (appointment files, status files, result files): finish the
/// claims an earlier run left → list the folder with the safe-pickup rules (<see cref="SafePickup"/>, one per folder for
/// the life of this instance; with <see cref="InboxRunOptions.WaitOnce"/> not-yet-stable files are waited for once) →
/// oldest first, claim each eligible file through the flow's <see cref="IInboxClaimStore{TClaim}"/> → the flow's
/// apply step → only then move the file to <c>processed/yyyy/MM/dd/</c> (or delete it), or to <c>failed/</c> (<c>held/</c>) with a
/// <c>NAME.error.txt</c> beside it, remove its <c>.done</c> marker and release the claim. A crash anywhere leaves a
/// claim whose next run carries on. A flow supplies only its claim store and its apply step; runs over one folder must
/// not overlap (the flow holds its own lock). Thread-safe: one instance serves every folder of a process.
/// </summary>
public sealed class Inbox
{
    private readonly ConcurrentDictionary<string, Pickup> _pickups = new(StringComparer.Ordinal);

    // Folders known to exist (endpoint + folder): creating processed/yyyy/MM/dd costs several round trips per file.
    private readonly ConcurrentDictionary<string, bool> _ensured = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates an inbox runner.</summary>
    public Inbox(TimeProvider? time = null, ILogger? logger = null)
    {
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Runs the pipeline once over <paramref name="folder"/> of <paramref name="dropBox"/>; the safe-pickup rules
    /// (MinFileAge, RequireDoneFile, MaxFilesPerPoll) come from <paramref name="dropBoxOptions"/>.
    /// </summary>
    public async Task<InboxRun<TClaim>> RunAsync<TClaim>(IDropBox dropBox, DropBoxOptions dropBoxOptions, string folder, IInboxClaimStore<TClaim> store,
        InboxApply<TClaim> apply, InboxRunOptions? options = null, CancellationToken cancellationToken = default)
        where TClaim : class, IInboxClaim
    {
        ArgumentNullException.ThrowIfNull(dropBox);
        ArgumentNullException.ThrowIfNull(dropBoxOptions);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(apply);
        options ??= new InboxRunOptions();
        var pickupOptions = options.WrittenAtomically ? dropBoxOptions with { MinFileAge = TimeSpan.Zero } : dropBoxOptions;
        var pickup = _pickups.GetOrAdd(dropBox.Endpoint + "|" + folder + (options.Accepts is null ? "" : "|" + options.Flow), _ => new Pickup(new SafePickup(pickupOptions, _time)));
        var finished = new List<TClaim>();
        var errors = new List<string>();

        // 1. Finish what an earlier run (on any server) left half done. Their files are not claimed again by this run.
        var unfinished = await store.UnfinishedAsync(cancellationToken);
        var busy = new HashSet<string>(unfinished.Select(c => c.Name), StringComparer.Ordinal);
        foreach (var claim in unfinished)
        {
            await AdvanceAsync(dropBox, folder, store, apply, options, pickup, claim, null, finished, errors, cancellationToken);
        }

        // 2. New files, oldest first.
        var raw = Accepted(await dropBox.ListAsync(folder, cancellationToken), options);
        var listing = pickup.Evaluate(raw);
        if (options.WaitOnce && listing.Waiting.Count > 0 && !dropBoxOptions.RequireDoneFile)
        {
            // A manual run: the files were seen now for the first time (or are still changing); wait until they can have
            // been stable for MinFileAge and look again. Files still changing then are left for the next run.
            await Task.Delay(pickupOptions.MinFileAge + TimeSpan.FromMilliseconds(200), _time, cancellationToken);
            raw = Accepted(await dropBox.ListAsync(folder, cancellationToken), options);
            listing = pickup.Evaluate(raw);
        }

        foreach (var rejected in listing.Rejected)
        {
            Log.NeverOpened(_logger, dropBox.Endpoint, folder, FileNameRules.Printable(rejected.Name), rejected.Reason);
            if (rejected.Refused)
            {
                await RefuseAsync(dropBox, folder, rejected, options, errors, cancellationToken);
            }
        }

        IEnumerable<RemoteFileInfo> eligible = listing.Eligible;
        if (options.FileTime is { } fileTime)
        {
            eligible = eligible.OrderBy(fileTime).ThenBy(f => f.Name, StringComparer.Ordinal);
        }

        // The markers and sidecars this listing saw: only those are deleted after their file (each delete costs a round trip).
        var listed = raw.Where(f => FileNameRules.IsDoneMarker(f.Name) || FileNameRules.IsSidecar(f.Name)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var claimed = 0;
        foreach (var file in eligible)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (busy.Contains(file.Name))
            {
                continue; // still being finished (step 1 left it for the next run)
            }

            var claim = await store.ClaimAsync(dropBox, file, cancellationToken);
            if (claim is null)
            {
                continue; // another server holds it
            }

            claimed++;
            FaultPoints.Hit(FaultPoints.AfterClaim);
            await AdvanceAsync(dropBox, folder, store, apply, options, pickup, claim, listed, finished, errors, cancellationToken);
        }

        return new InboxRun<TClaim>(finished, claimed, errors, listing.Waiting, listing.Rejected, listing.Deferred);
    }

    // Issue 17: flows sharing a folder (appointment files and agent heartbeats) each see only their own names; a marker or
    // sidecar goes with its file's name.
    private static IReadOnlyList<RemoteFileInfo> Accepted(IReadOnlyList<RemoteFileInfo> listing, InboxRunOptions options)
    {
        if (options.Accepts is not { } accepts)
        {
            return listing;
        }

        return [.. listing.Where(f => accepts(FileNameRules.IsDoneMarker(f.Name) ? f.Name[..^FileNameRules.DoneSuffix.Length]
            : FileNameRules.IsSidecar(f.Name) ? f.Name[..^FileNameRules.SignatureSuffix.Length] : f.Name))];
    }

    private async Task AdvanceAsync<TClaim>(IDropBox dropBox, string folder, IInboxClaimStore<TClaim> store, InboxApply<TClaim> apply, InboxRunOptions options,
        Pickup pickup, TClaim claim, HashSet<string>? listed, List<TClaim> finished, List<string> errors, CancellationToken cancellationToken)
        where TClaim : class, IInboxClaim
    {
        try
        {
            var verdict = await apply(dropBox, claim, cancellationToken);
            if (verdict is null)
            {
                return;
            }

            var where = await DisposeAsync(dropBox, folder, claim, verdict, options, listed, cancellationToken);
            await store.ReleaseAsync(claim, verdict.Disposition, where, cancellationToken);
            pickup.Forget(claim.Name);
            finished.Add(claim);
        }
        catch (Exception ex) when (options.Recoverable?.Invoke(ex) == true)
        {
            var message = $"{claim}: {ex.Message}";
            Log.LeftForNextRun(_logger, ex, dropBox.Endpoint, folder, message);
            errors.Add(message);
        }
    }

    // A refused file (a link, too large) goes to failed/ with its reason beside it, never opened: the sender learns why.
    private async Task RefuseAsync(IDropBox dropBox, string folder, RejectedFile rejected, InboxRunOptions options, List<string> errors, CancellationToken cancellationToken)
    {
        try
        {
            var failed = $"{folder}/{options.FailedFolder.Trim('/')}";
            await EnsureFolderAsync(dropBox, failed, cancellationToken);
            using (var reason = new MemoryStream(Encoding.UTF8.GetBytes($"{rejected.Name} was refused and never opened: {rejected.Reason}\r\n")))
            {
                await dropBox.UploadAsync(failed, FileNameRules.Derived(rejected.Name, ".error.txt"), reason, cancellationToken);
            }

            await MoveAsync(dropBox, folder, rejected.Name, failed, cancellationToken);
            await DeleteBesideAsync(dropBox, folder, rejected.Name, FileNameRules.DoneSuffix, cancellationToken);
            foreach (var sidecar in options.Sidecars)
            {
                await DeleteBesideAsync(dropBox, folder, rejected.Name, sidecar, cancellationToken);
            }
        }
        catch (DropBoxException ex)
        {
            var message = $"{FileNameRules.Printable(rejected.Name)}: could not be moved to {options.FailedFolder}/: {ex.Message}";
            Log.LeftForNextRun(_logger, ex, dropBox.Endpoint, folder, message);
            errors.Add(message);
        }
    }

    // A marker or sidecar of NAME; a name too long to have one has none.
    private static async Task DeleteBesideAsync(IDropBox dropBox, string folder, string name, string suffix, CancellationToken cancellationToken)
    {
        if (FileNameRules.Problem(name + suffix) is null)
        {
            await dropBox.DeleteAsync(folder, name + suffix, cancellationToken);
        }
    }

    /// <summary>Moves (or deletes) a finished file; returns where it went, for people.</summary>
    private async Task<string> DisposeAsync(IDropBox dropBox, string folder, IInboxClaim claim, InboxVerdict verdict, InboxRunOptions options, HashSet<string>? listed,
        CancellationToken cancellationToken)
    {
        string where;
        switch (verdict.Disposition)
        {
            case InboxDisposition.LeftInPlace:
                return "left in place";
            case InboxDisposition.Processed when options.DeleteProcessed:
                where = await dropBox.DeleteAsync(folder, claim.Name, cancellationToken) ? "deleted" : "already gone";
                break;
            case InboxDisposition.Processed:
                var day = claim.ClaimedAt.UtcDateTime;
                where = await MoveAsync(dropBox, folder, claim.Name, $"{folder}/{options.ProcessedFolder.Trim('/')}/{day:yyyy}/{day:MM}/{day:dd}", cancellationToken);
                break;
            default:
                var failed = $"{folder}/{(verdict.Disposition == InboxDisposition.Held ? options.HeldFolder : options.FailedFolder).Trim('/')}";
                await EnsureFolderAsync(dropBox, failed, cancellationToken);
                // The reason first, so whoever finds the file in failed/ finds why beside it.
                using (var reason = new MemoryStream(Encoding.UTF8.GetBytes((verdict.Reason ?? "refused") + "\r\n")))
                {
                    await dropBox.UploadAsync(failed, FileNameRules.Derived(claim.Name, ".error.txt"), reason, cancellationToken);
                }

                where = await MoveAsync(dropBox, folder, claim.Name, failed, cancellationToken);
                break;
        }

        // The file's .done marker (RequireDoneFile drop boxes) and sidecars have served their purpose once it has left the inbox.
        // A claim finished from an earlier run (listed is null) does not know what was beside it: delete whatever may be.
        foreach (var suffix in options.Sidecars.Prepend(FileNameRules.DoneSuffix))
        {
            if (listed is null || listed.Contains(claim.Name + suffix))
            {
                await DeleteBesideAsync(dropBox, folder, claim.Name, suffix, cancellationToken);
            }
        }

        return where;
    }

    private async Task<string> MoveAsync(IDropBox dropBox, string folder, string name, string target, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureFolderAsync(dropBox, target, cancellationToken);
            await dropBox.MoveAsync(folder, name, target, name, cancellationToken);
            return $"moved to {target}/";
        }
        catch (DropBoxException ex) when (ex.Error == DropBoxError.FolderMissing)
        {
            _ensured.TryRemove(dropBox.Endpoint + "|" + target, out _); // someone removed it: create it again next time
            throw;
        }
        catch (DropBoxException ex) when (ex.Error == DropBoxError.FileMissing)
        {
            // A crash after an earlier move, or someone removed it: either way it is no longer in the inbox.
            return await dropBox.ExistsAsync(target, name, cancellationToken) ? $"moved to {target}/" : "already gone";
        }
    }

    /// <summary>Creates a folder once per drop box and process (it is remembered until a move finds it missing).</summary>
    public async Task EnsureFolderAsync(IDropBox dropBox, string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dropBox);
        var key = dropBox.Endpoint + "|" + folder;
        if (!_ensured.ContainsKey(key))
        {
            await dropBox.EnsureFolderAsync(folder, cancellationToken);
            _ensured[key] = true;
        }
    }

    /// <summary>One folder's <see cref="SafePickup"/>, which is not thread-safe.</summary>
    private sealed class Pickup(SafePickup safe)
    {
        private readonly Lock _gate = new();

        public PickupResult Evaluate(IReadOnlyList<RemoteFileInfo> listing)
        {
            lock (_gate)
            {
                return safe.Evaluate(listing);
            }
        }

        public void Forget(string name)
        {
            lock (_gate)
            {
                safe.Forget(name);
            }
        }
    }
}
