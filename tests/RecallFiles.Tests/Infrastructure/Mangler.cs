namespace RecallFiles.Tests.Infrastructure;

/// <summary>Mangled values for comparing a fast check with its reference (ContactRulesTests, FastPathUtf8Tests).</summary>
internal static class Mangler
{
    /// <summary>
    /// <paramref name="count"/> values, each a seed changed at 1-3 random places (a piece put in place of a character, a piece
    /// inserted, a character removed); the same sequence for the same <paramref name="seed"/>.
    /// </summary>
    public static IEnumerable<string> Mangled(string[] seeds, string[] pieces, int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var chars = seeds[random.Next(seeds.Length)].Select(c => c.ToString()).ToList();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0: chars[at] = pieces[random.Next(pieces.Length)]; break;
                    case 1: chars.Insert(at, pieces[random.Next(pieces.Length)]); break;
                    default: if (chars.Count > 1) { chars.RemoveAt(at); } break;
                }
            }

            yield return string.Concat(chars);
        }
    }
}
