using NLog.LayoutRenderers;
using NLog.LayoutRenderers.Wrappers;

namespace RecallFiles.Scheduler.Logging;

/// <summary>
/// <c>${phi-mask:inner=…}</c>: the one masking renderer every target's layout goes through
/// (text and JSON, console, rolling files, audit): phones and e-mails become <c>***4567</c> and
/// <c>a***@example.org</c> (<see cref="PhiText"/>).
/// </summary>
[LayoutRenderer(Name)]
internal sealed class PhiMaskLayoutRenderer : WrapperLayoutRendererBase
{
    /// <summary>The renderer's name in layouts.</summary>
    public const string Name = "phi-mask";

    /// <inheritdoc />
    protected override string Transform(string text) => PhiText.Mask(text);
}
