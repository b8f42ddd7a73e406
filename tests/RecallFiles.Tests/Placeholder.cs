namespace RecallFiles.Tests;

[TestClass]
public sealed class PlaceholderTests
{
    [TestMethod]
    public void Build_Works() => Assert.IsNotNull(typeof(PlaceholderTests).Assembly.GetName().Name);
}
