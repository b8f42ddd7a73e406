using System.Data;
using System.Data.Common;
using System.Text;

namespace RecallFiles.Exporter.GenericSql;

/// <summary>A named value for a <see cref="SqlStatement"/>: <c>@WindowStart</c>, <c>@AppLid</c>, …</summary>
internal readonly record struct SqlArgument(string Name, object Value, DbType? Type = null);

/// <summary>
/// A query or statement of practice IT, written with named parameters (<c>@WindowStart</c>, <c>@AppLid</c>), prepared
/// once for its provider. ODBC binds parameters by position only: each use of a known name outside a string literal,
/// a quoted identifier or a comment becomes <c>?</c>, and the arguments are bound in the order the names appear (a name
/// used twice is bound twice). The other providers keep the names and get only the parameters the text uses (some
/// reject unused ones).
/// </summary>
internal sealed class SqlStatement
{
    private SqlStatement(string text, IReadOnlyList<string> order, bool positional)
    {
        Text = text;
        Order = order;
        Positional = positional;
    }

    /// <summary>The text sent to the provider.</summary>
    public string Text { get; }

    /// <summary>The parameter names in binding order (positional), or the names the text uses (named).</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>Whether parameters are bound by position (ODBC).</summary>
    public bool Positional { get; }

    /// <summary>Prepares <paramref name="sql"/> for <paramref name="provider"/>; <paramref name="names"/> are the parameters it may use.</summary>
    public static SqlStatement Prepare(SqlProvider provider, string sql, IReadOnlyCollection<string> names)
    {
        if (provider == SqlProvider.Odbc)
        {
            var (text, order) = ToPositional(sql, names);
            return new SqlStatement(text, order, positional: true);
        }

        return new SqlStatement(sql, [.. names.Where(n => sql.Contains(n, StringComparison.OrdinalIgnoreCase))], positional: false);
    }

    /// <summary>A command on <paramref name="connection"/> with this text and the arguments bound.</summary>
    public DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, IReadOnlyList<SqlArgument> arguments)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Text;
        foreach (var name in Order)
        {
            var argument = arguments.First(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
            var parameter = command.CreateParameter();
            parameter.ParameterName = Positional ? "" : argument.Name;
            parameter.Value = argument.Value;
            if (argument.Type is { } type)
            {
                parameter.DbType = type;
            }

            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>
    /// Replaces each <c>@Name</c> of <paramref name="names"/> (case-insensitive, a whole name) outside <c>'…'</c>,
    /// <c>"…"</c>, <c>`…`</c>, <c>[…]</c>, <c>-- …</c> and <c>/* … */</c> with <c>?</c>; returns the names in order.
    /// </summary>
    internal static (string Sql, IReadOnlyList<string> Order) ToPositional(string sql, IReadOnlyCollection<string> names)
    {
        var text = new StringBuilder(sql.Length);
        var order = new List<string>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var skip = c switch
            {
                '\'' or '"' or '`' => Quoted(sql, i, c),
                '[' => Quoted(sql, i, ']'),
                '-' when At(sql, i + 1, '-') => End(sql, sql.IndexOf('\n', i)),
                '/' when At(sql, i + 1, '*') => End(sql, sql.IndexOf("*/", i + 2, StringComparison.Ordinal), 2),
                _ => i,
            };
            if (skip > i)
            {
                text.Append(sql, i, skip - i);
                i = skip;
                continue;
            }

            if (c == '@' && !At(sql, i - 1, '@') && names.FirstOrDefault(n => IsNameAt(sql, i, n)) is { } name)
            {
                text.Append('?');
                order.Add(name);
                i += name.Length;
                continue;
            }

            text.Append(c);
            i++;
        }

        return (text.ToString(), order);
    }

    private static bool At(string sql, int index, char c) => index >= 0 && index < sql.Length && sql[index] == c;

    private static int End(string sql, int found, int length = 1) => found < 0 ? sql.Length : found + length;

    /// <summary>The index after the quoted run that starts at <paramref name="start"/> (a doubled closing quote stays inside).</summary>
    private static int Quoted(string sql, int start, char close)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            if (sql[i] == close)
            {
                if (close != ']' && At(sql, i + 1, close))
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }

    private static bool IsNameAt(string sql, int index, string name) =>
        string.Compare(sql, index, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0
        && (index + name.Length >= sql.Length || !(char.IsLetterOrDigit(sql[index + name.Length]) || sql[index + name.Length] == '_'));
}
