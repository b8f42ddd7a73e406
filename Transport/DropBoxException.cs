namespace RecallFiles.Transport;

/// <summary>
/// The one exception type a drop box throws. The message says what failed, where, and what to fix; it never contains
/// a password or key passphrase.
/// </summary>
public sealed class DropBoxException : Exception
{
    public DropBoxException()
        : this(DropBoxError.Refused, "Drop box operation failed.")
    {
    }

    public DropBoxException(string message)
        : this(DropBoxError.Refused, message)
    {
    }

    public DropBoxException(string message, Exception innerException)
        : this(DropBoxError.Refused, message, innerException)
    {
    }

    public DropBoxException(DropBoxError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>Why the operation failed.</summary>
    public DropBoxError Error { get; }

    /// <summary>
    /// <see langword="true"/> when trying again later may succeed (network, timeout, truncated transfer); such failures
    /// were already retried with backoff before this exception was thrown. <see langword="false"/> when someone has to
    /// fix the configuration or the server first.
    /// </summary>
    public bool IsTransient => Error is DropBoxError.Network or DropBoxError.Timeout or DropBoxError.IncompleteTransfer;

    /// <summary>How many attempts were made before giving up (1 when the failure was permanent).</summary>
    public int Attempts { get; internal set; } = 1;
}
