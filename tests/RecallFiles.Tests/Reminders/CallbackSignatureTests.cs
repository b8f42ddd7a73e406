using System.Text;
using RecallFiles.Importer.Feed;
using RecallFiles.Reminders.Delivery;

namespace RecallFiles.Tests.Reminders;

/// <summary>The gateway callbacks' signatures: Twilio's (checked against the vector of twilio-ruby's request validator spec) and RecallFiles' own.</summary>
[TestClass]
public sealed class CallbackSignatureTests
{
    private static readonly Dictionary<string, string> TwilioVoice = new()
    {
        ["ToState"] = "California", ["CalledState"] = "California", ["Direction"] = "inbound", ["FromState"] = "CA",
        ["AccountSid"] = "ACba8bc05eacf94afdae398e642c9cc32d", ["Caller"] = "+14153595711", ["CallerZip"] = "94108", ["CallerCountry"] = "US",
        ["From"] = "+14153595711", ["FromCity"] = "SAN FRANCISCO", ["CallerCity"] = "SAN FRANCISCO", ["To"] = "+14157669926", ["FromZip"] = "94108",
        ["FromCountry"] = "US", ["ToCity"] = "", ["CallStatus"] = "ringing", ["CalledCity"] = "", ["CallerState"] = "CA", ["CalledZip"] = "", ["ToZip"] = "",
        ["ToCountry"] = "US", ["CallSid"] = "CA136d09cd59a3c0ec8dbff44da5c03f31", ["CalledCountry"] = "US", ["Called"] = "+14157669926",
        ["ApiVersion"] = "2010-04-01", ["ApplicationSid"] = "AP44efecad51364e80b133bb7c07eb8204",
    };

    [TestMethod]
    public void VerifyTwilio_AcceptsTwiliosOwnExample_AndRefusesAChangedField()
    {
        const string token = "2bd9e9638872de601313dc77410d3b23";
        const string url = "http://twiliotests.heroku.com/validate/voice";

        Assert.IsTrue(CallbackSignatures.VerifyTwilio(token, url, TwilioVoice, "oVb2kXoVy8GEfwBDjR8bk/ZZ6eA="));
        Assert.IsFalse(CallbackSignatures.VerifyTwilio(token, url, new Dictionary<string, string>(TwilioVoice) { ["From"] = "+14150000000" }, "oVb2kXoVy8GEfwBDjR8bk/ZZ6eA="));
        Assert.IsFalse(CallbackSignatures.VerifyTwilio(token, url, TwilioVoice, null));
    }

    [TestMethod]
    public void VerifyJson_AcceptsTheWebhooksSignature_WithinFiveMinutes_Only()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"gw-1","status":"delivered"}""");
        var now = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
        var stamp = now.ToUnixTimeSeconds();
        var signature = "sha256=" + WebhookForwarder.Sign("s3cret-s3cret-s3cret", stamp, body);

        Assert.IsTrue(CallbackSignatures.VerifyJson("s3cret-s3cret-s3cret", stamp.ToString(System.Globalization.CultureInfo.InvariantCulture), signature, body, now.AddMinutes(4)));
        Assert.IsFalse(CallbackSignatures.VerifyJson("s3cret-s3cret-s3cret", stamp.ToString(System.Globalization.CultureInfo.InvariantCulture), signature, body, now.AddMinutes(6)),
            "a replay after the window");
        Assert.IsFalse(CallbackSignatures.VerifyJson("another-secret-value", stamp.ToString(System.Globalization.CultureInfo.InvariantCulture), signature, body, now));
        Assert.IsFalse(CallbackSignatures.VerifyJson("s3cret-s3cret-s3cret", null, signature, body, now));
    }
}
