using System.Buffers;

namespace RecallFiles.Schemas;

/// <summary>
/// Practice ids: 1 to 40 characters of <c>A-Z a-z 0-9 _ -</c>. They become folder and file names on
/// drop boxes, so nothing else (no separators, no dots) is allowed.
/// </summary>
public static class PracticeId
{
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>The longest practice id.</summary>
    public const int MaxLength = 40;

    /// <summary>True when <paramref name="value"/> is a valid practice id.</summary>
    public static bool IsValid(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxLength && !value.AsSpan().ContainsAnyExcept(Allowed);

    /// <summary>Returns <paramref name="value"/> or throws <see cref="ArgumentException"/> naming the rule.</summary>
    public static string Ensure(string? value, string? paramName = null) => IsValid(value)
        ? value!
        : throw new ArgumentException(
            $"'{value}' is not a valid practice id: use 1 to {MaxLength} characters of A-Z, a-z, 0-9, '_' and '-'.", paramName ?? nameof(value));
}
