using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>A self-signed certificate for 127.0.0.1, written as <c>cert.pem</c> and <c>key.pem</c> for the servers the tests start.</summary>
internal static class LoopbackCertificate
{
    /// <summary>Writes <c>cert.pem</c> and <c>key.pem</c> into <paramref name="folder"/>; returns the certificate's SHA-1 thumbprint (hex), to pin.</summary>
    public static async Task<string> WriteAsync(string folder, CancellationToken cancellationToken = default)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        await File.WriteAllTextAsync(Path.Combine(folder, "cert.pem"), certificate.ExportCertificatePem(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "key.pem"), key.ExportPkcs8PrivateKeyPem(), cancellationToken);
        return certificate.Thumbprint;
    }
}
