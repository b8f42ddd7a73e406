namespace RecallFiles.Schemas;

/// <summary>The outcome of validating a whole file.</summary>
public sealed record FileValidationReport
{
    /// <summary>The file as named by the caller.</summary>
    public required string File { get; init; }

    /// <summary>The kind read, or null when the file could not be opened.</summary>
    public FileKind? Kind { get; init; }

    /// <summary>The physical format, or null when the file could not be opened.</summary>
    public CsvDialect? Dialect { get; init; }

    /// <summary>Data rows read (not counting the header or empty lines).</summary>
    public long Rows { get; init; }

    /// <summary>Rows without errors.</summary>
    public long ValidRows { get; init; }

    /// <summary>Errors kept for the report (at most the limit given to the validator), in file order.</summary>
    public required IReadOnlyList<ContractProblem> Errors { get; init; }

    /// <summary>Warnings kept for the report, in file order.</summary>
    public required IReadOnlyList<ContractProblem> Warnings { get; init; }

    /// <summary>All errors found, including those beyond the limit.</summary>
    public long ErrorCount { get; init; }

    /// <summary>All warnings found, including those beyond the limit.</summary>
    public long WarningCount { get; init; }

    /// <summary>True when the file has no error at all.</summary>
    public bool IsValid => ErrorCount == 0;
}

/// <summary>Validates a whole file in one streaming pass (what <c>recallfiles validate</c> runs).</summary>
public static class FileValidator
{
    /// <summary>
    /// Reads every row of <paramref name="stream"/> and collects problems. A file-level problem
    /// (header, encoding, quoting) ends the read and is reported as an error with the rows read so
    /// far. At most <paramref name="maxProblems"/> errors and as many warnings are kept; all are counted.
    /// </summary>
    public static FileValidationReport Validate(Stream stream, string fileName, FileKind? kind = null, ContractReadOptions? options = null,
        int maxProblems = 10_000, CancellationToken cancellationToken = default)
    {
        var errors = new List<ContractProblem>();
        var warnings = new List<ContractProblem>();
        long errorCount = 0, warningCount = 0, rows = 0, validRows = 0;
        void Add(ContractProblem p)
        {
            if (p.Severity == ProblemSeverity.Error)
            {
                if (errorCount++ < maxProblems)
                {
                    errors.Add(p);
                }
            }
            else if (warningCount++ < maxProblems)
            {
                warnings.Add(p);
            }
        }

        ContractReader reader;
        try
        {
            reader = ContractReader.Open(stream, fileName, kind, options, leaveOpen: true);
        }
        catch (ContractFileException ex)
        {
            Add(ex.Problem);
            return new FileValidationReport { File = fileName, Kind = ex.Kind ?? kind, Dialect = ex.Dialect, Errors = errors, Warnings = warnings, ErrorCount = errorCount };
        }

        using (reader)
        {
            foreach (var w in reader.HeaderWarnings)
            {
                Add(w);
            }

            try
            {
                foreach (var problems in reader.ReadRowProblemsPipelined(cancellationToken))
                {
                    rows++;
                    var valid = true;
                    foreach (var p in problems)
                    {
                        Add(p);
                        valid &= p.Severity != ProblemSeverity.Error;
                    }

                    if (valid)
                    {
                        validRows++;
                    }
                }
            }
            catch (ContractFileException ex)
            {
                Add(ex.Problem);
            }

            return new FileValidationReport
            {
                File = fileName,
                Kind = reader.Kind,
                Dialect = reader.Dialect,
                Rows = rows,
                ValidRows = validRows,
                Errors = errors,
                Warnings = warnings,
                ErrorCount = errorCount,
                WarningCount = warningCount,
            };
        }
    }
}
