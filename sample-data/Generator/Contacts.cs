using System.Globalization;
using Bogus;

namespace RecallFiles.SampleData;

/// <summary>How a patient can be reached, as the PMS would export it.</summary>
internal sealed record Contact(string? Landline, string? Mobile, string? Email, string Language)
{
    public bool IsUnreachable => Landline is null && Mobile is null && Email is null;

    /// <summary>COMMUNICATION_PREFERENCES: three 0/1 flags for SMS, e-mail and landline.</summary>
    public string Preferences => $"{(Mobile is null ? 0 : 1)}{(Email is null ? 0 : 1)}{(Landline is null ? 0 : 1)}";
}

/// <summary>
/// Makes fictional patient contact data: phones in the formats Spanish PMSs really hold, from ranges
/// documented in docs/sample-data.md, and e-mails on the reserved example.org/.com/.net domains. No
/// names: e-mail local parts are built from neutral words and numbers.
/// </summary>
internal sealed class Contacts(Randomizer random)
{
    private static readonly string[] Domains = ["example.org", "example.com", "example.net", "mail.example.com"];
    private static readonly string[] Words =
    [
        "sonrisa", "cita", "recall", "luna", "sol", "mar", "verde", "azul", "norte", "faro", "pino", "roble",
        "nube", "rio", "cima", "lago", "brisa", "trigo", "olivo", "coral",
    ];

    /// <summary>A patient's contacts; <paramref name="allowUnreachable"/> false never returns a contact-less patient.</summary>
    public Contact Next(bool allowUnreachable = true)
    {
        // Foreign patients (tourists, expats) get numbers from the ranges reserved for fiction abroad.
        var foreign = random.Bool(0.06f);
        var roll = random.Double();
        return roll switch
        {
            < 0.45 => new(null, Mobile(foreign), Email(), Language(foreign)),
            < 0.70 => new(null, Mobile(foreign), null, Language(foreign)),
            < 0.78 => new(null, null, Email(), Language(foreign)),
            < 0.87 => new(Landline(foreign), null, null, Language(foreign)),
            < 0.985 => new(Landline(foreign), Mobile(foreign), random.Bool() ? Email() : null, Language(foreign)),
            _ => allowUnreachable ? new(null, null, null, Language(foreign)) : new(null, Mobile(foreign), null, Language(foreign)),
        };
    }

    private string Language(bool foreign) => foreign
        ? random.ArrayElement(["en", "en", "fr", "de"])
        : random.WeightedRandom(["es", "ca", "gl", "pt-BR", "en"], [0.80f, 0.10f, 0.04f, 0.03f, 0.03f]);

    // Spanish mobiles 6xx xxx xxx. Spain reserves no range for fiction, so the numbers stay inside the
    // single block 600 1xx xxx and are never dialled: the reminder service in tests is local.
    private string Mobile(bool foreign)
    {
        if (foreign)
        {
            // Ofcom's drama range 07700 900000–900999 and North America's 555-0100–0199 are reserved for fiction.
            var n = random.Number(0, 999);
            return random.Bool(0.7f)
                ? random.ArrayElement([$"+44 7700 900{n:000}", $"07700 900{n:000}", $"+447700900{n:000}"])
                : $"+1 202-555-01{n % 100:00}";
        }

        var d = random.Number(100_000, 199_999).ToString("000000", CultureInfo.InvariantCulture);
        var (a, b) = (d[..3], d[3..]);
        return random.WeightedRandom(
            [$"+34 600 {a} {b}", $"600-{a}-{b}", $"600{a}{b}", $"600 {a[..2]} {a[2..]}{b[..1]} {b[1..]}", $"0034 600 {a} {b}", $"+34600{a}{b}", $"600.{a}.{b}"],
            [0.30f, 0.15f, 0.20f, 0.12f, 0.08f, 0.10f, 0.05f]);
    }

    // Madrid landlines 91 555 xxxx (again no reserved range exists: see docs/sample-data.md).
    private string Landline(bool foreign)
    {
        var n = random.Number(0, 9999);
        if (foreign)
        {
            // Ofcom's drama range for London: 020 7946 0000–0999.
            return $"+44 20 7946 0{n % 1000:000}";
        }

        var s = n.ToString("0000", CultureInfo.InvariantCulture);
        return random.WeightedRandom(
            [$"(91) 555 {s}", $"91 555 {s[..2]} {s[2..]}", $"+34 91 555 {s}", $"915-55{s[..1]}-{s[1..]}", $"91555{s}", $"(+34) 915 55{s[..1]} {s[1..]}"],
            [0.30f, 0.25f, 0.15f, 0.10f, 0.10f, 0.10f]);
    }

    private string Email()
    {
        var word = random.ArrayElement(Words);
        var n = random.Number(1, 9999).ToString(CultureInfo.InvariantCulture);
        var local = random.WeightedRandom(
            [$"{word}.{n}", $"{word}{n}", $"recall+{n}", $"{word}_{n}", $"{word}-{random.ArrayElement(Words)}"],
            [0.35f, 0.25f, 0.15f, 0.15f, 0.10f]);
        return $"{local}@{random.ArrayElement(Domains)}";
    }
}
