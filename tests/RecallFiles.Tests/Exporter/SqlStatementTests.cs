using RecallFiles.Exporter;
using RecallFiles.Exporter.GenericSql;

namespace RecallFiles.Tests.Exporter;

/// <summary>Named parameters of practice IT's SQL, translated once to ODBC's positional markers.</summary>
[TestClass]
public sealed class SqlStatementTests
{
    private static readonly string[] Window = ["@WindowStart", "@WindowEnd"];

    [TestMethod]
    public void ToPositional_ReplacesEachUse_InOrder_IncludingRepeatsAndAnyCase()
    {
        var (sql, order) = SqlStatement.ToPositional("SELECT 1 FROM a WHERE s >= @windowstart AND s < @WindowEnd OR (x = @WindowStart)", Window);

        Assert.AreEqual("SELECT 1 FROM a WHERE s >= ? AND s < ? OR (x = ?)", sql);
        CollectionAssert.AreEqual(new[] { "@WindowStart", "@WindowEnd", "@WindowStart" }, order.ToArray());
    }

    [TestMethod]
    public void ToPositional_LeavesLiteralsQuotedNamesCommentsAndOtherVariables_Alone()
    {
        const string Text = """
            -- uses @WindowStart in a comment
            SELECT '@WindowEnd' AS "@WindowStart", [@WindowEnd], `@WindowEnd`, 'it''s @WindowEnd', @@ROWCOUNT, @WindowStartX /* @WindowEnd */
            WHERE d >= @WindowStart AND d < @WindowEnd
            """;

        var (sql, order) = SqlStatement.ToPositional(Text, Window);

        Assert.AreEqual(Text.Replace("d >= @WindowStart AND d < @WindowEnd", "d >= ? AND d < ?", StringComparison.Ordinal), sql);
        CollectionAssert.AreEqual(Window, order.ToArray());
    }

    [TestMethod]
    public void Prepare_KeepsNamedParameters_ForNativeProviders_AndOnlyTheUsedOnes()
    {
        var statement = SqlStatement.Prepare(SqlProvider.MySql, "UPDATE a SET s = @Status WHERE id = @AppLid", ["@AppLid", "@Status", "@FileName"]);

        Assert.IsFalse(statement.Positional);
        Assert.AreEqual("UPDATE a SET s = @Status WHERE id = @AppLid", statement.Text);
        CollectionAssert.AreEquivalent(new[] { "@AppLid", "@Status" }, statement.Order.ToArray());
    }

    [TestMethod]
    public void CreateCommand_BindsOneUnnamedParameterPerMarker_ForOdbc()
    {
        var statement = SqlStatement.Prepare(SqlProvider.Odbc, "UPDATE a SET s = @Status, f = @FileName WHERE id = @AppLid OR old_id = @AppLid", ["@AppLid", "@Status", "@FileName"]);
        using var connection = new System.Data.Odbc.OdbcConnection();

        using var command = statement.CreateCommand(connection, null, [new("@AppLid", "A1"), new("@Status", "APPROVED"), new("@FileName", "STATUS_X.csv")]);

        Assert.AreEqual("UPDATE a SET s = ?, f = ? WHERE id = ? OR old_id = ?", command.CommandText);
        CollectionAssert.AreEqual(new object[] { "APPROVED", "STATUS_X.csv", "A1", "A1" },
            command.Parameters.Cast<System.Data.Common.DbParameter>().Select(p => p.Value).ToArray());
    }
}
