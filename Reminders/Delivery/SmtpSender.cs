using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;

namespace RecallFiles.Reminders.Delivery;

/// <summary>How the e-mail sender reaches its SMTP server (section <c>RecallFiles:Reminders:Smtp</c>; no Host = the outbox).</summary>
public sealed record SmtpOptions
{
    /// <summary>The SMTP server's host name.</summary>
    public string? Host { get; init; }

    /// <summary>The port (default 587, the submission port with STARTTLS; 465 for implicit TLS).</summary>
    public int Port { get; init; } = 587;

    /// <summary><c>StartTls</c> (default), <c>Tls</c> (implicit, port 465) or <c>None</c> (only with <see cref="AllowInsecure"/>).</summary>
    public SmtpSecurity Security { get; init; } = SmtpSecurity.StartTls;

    /// <summary>The login; none = no AUTH.</summary>
    public string? UserName { get; init; }

    /// <summary>The password of <see cref="UserName"/>.</summary>
    public string? Password { get; init; }

    /// <summary>The sender address (<c>From</c>).</summary>
    public string From { get; init; } = "";

    /// <summary>The sender's display name (such as the practice group's name).</summary>
    public string? FromName { get; init; }

    /// <summary>The SHA-1 or SHA-256 thumbprint of the server's certificate, to accept it without a CA (a private relay).</summary>
    public string? CertificateThumbprint { get; init; }

    /// <summary>Allows <c>Security: None</c> (a relay on the same host); messages then cross the network in clear.</summary>
    public bool AllowInsecure { get; init; }

    /// <summary>The shared secret that signs forwarded e-mail replies (<c>POST /api/email/inbound</c>); none = no e-mail replies.</summary>
    public string? InboundSecret { get; init; }

    /// <summary>The connect and command timeout (default 30 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the values, naming the key of a wrong one.</summary>
    public IReadOnlyList<string> Validate(string prefix = "RecallFiles:Reminders:Smtp")
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add($"{prefix}:Host is required");
        }

        if (!MailboxAddress.TryParse(From, out _) || !From.Contains('@', StringComparison.Ordinal))
        {
            errors.Add($"{prefix}:From must be an e-mail address");
        }

        if (Security == SmtpSecurity.None && !AllowInsecure)
        {
            errors.Add($"{prefix}:Security None sends reminders in clear: use StartTls or Tls, or set {prefix}:AllowInsecure to true");
        }

        return errors;
    }
}

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain connection, then STARTTLS (required).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,

    /// <summary>No TLS (needs <see cref="SmtpOptions.AllowInsecure"/>).</summary>
    None,
}

/// <summary>
/// Sends reminders as plain-text e-mail through an SMTP server (MailKit): STARTTLS or implicit TLS, login, one
/// connection per message. The Message-Id is derived from the reminder (<c>reminder-{id}@recallfiles</c>), so a relay
/// can tell a message it has seen. Failures before the server took the message (unreachable, busy 4xx, login or TLS
/// refused) are <see cref="SendOutcome.Retry"/>; a 5xx refusal is <see cref="SendOutcome.Failed"/>; a connection lost
/// while the message was being handed over is failed as "outcome unknown" and never sent twice.
/// </summary>
public sealed class SmtpSender(SmtpOptions options) : IReminderSender
{
    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingMessage message, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reminder = message.Reminder;
        if (!MailboxAddress.TryParse(reminder.Address, out var to))
        {
            return SendResult.Failed("the e-mail address does not parse");
        }

        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(options.FromName ?? "", options.From));
        mime.To.Add(to);
        mime.Subject = message.Subject;
        mime.MessageId = $"reminder-{reminder.Id}@recallfiles";
        mime.Headers.Add("Content-Language", reminder.Language);
        mime.Body = new TextPart("plain") { Text = message.Text };

        using var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        client.ServerCertificateValidationCallback = ValidateCertificate;
        var handingOver = false;
        try
        {
            await client.ConnectAsync(options.Host ?? throw new InvalidOperationException("RecallFiles:Reminders:Smtp:Host is not set"), options.Port, options.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            }, cancellationToken);
            if (options.UserName is { Length: > 0 } user)
            {
                await client.AuthenticateAsync(user, options.Password ?? "", cancellationToken);
            }

            handingOver = true;
            await client.SendAsync(mime, cancellationToken);
            handingOver = false;
            await client.DisconnectAsync(true, cancellationToken);
            return SendResult.Sent(mime.MessageId);
        }
        catch (SmtpCommandException ex)
        {
            var reason = SendResult.Redact($"SMTP {(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}", reminder.Address);
            return (int)ex.StatusCode >= 500 ? SendResult.Failed(reason) : SendResult.Retry(reason);
        }
        catch (AuthenticationException ex)
        {
            return SendResult.Retry($"SMTP login refused for {options.UserName}: {ex.Message}");
        }
        catch (SslHandshakeException ex)
        {
            return SendResult.Retry($"SMTP TLS refused ({ex.Message}); pin the server with RecallFiles:Reminders:Smtp:CertificateThumbprint if it is yours");
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException)
        {
            var reason = SendResult.Redact($"{ex.GetType().Name}: {ex.Message}", reminder.Address);
            return handingOver
                ? SendResult.Failed($"outcome unknown, not sent again: the connection was lost while the server took the message ({reason})")
                : SendResult.Retry(reason);
        }
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        IsTrusted(options.CertificateThumbprint, certificate, errors);

    /// <summary>
    /// The server certificate check of every SMTP connection (reminders and alerts): the pinned SHA-1 or SHA-256
    /// thumbprint when one is configured, else a chain the machine trusts.
    /// </summary>
    public static bool IsTrusted(string? thumbprint, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (thumbprint is { Length: > 0 } pinned && certificate is not null)
        {
            var hex = new string([.. pinned.Where(Uri.IsHexDigit)]);
            return string.Equals(hex, certificate.GetCertHashString(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(hex, certificate.GetCertHashString(HashAlgorithmName.SHA256), StringComparison.OrdinalIgnoreCase);
        }

        return errors == SslPolicyErrors.None;
    }
}
