using System.Globalization;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using RecallFiles.Reminders.Delivery;

namespace RecallFiles.Scheduler.Alerts;

/// <summary>What a message says about its incident.</summary>
internal enum AlertEvent
{
    /// <summary>The incident opened.</summary>
    Open,

    /// <summary>Still open after the re-notify interval.</summary>
    Reminder,

    /// <summary>The condition cleared.</summary>
    Resolved,
}

/// <summary>One message about one incident: the same subject and text on every channel; never PHI (ids, counts, masked reasons).</summary>
internal sealed record AlertMessage(AlertEvent Event, Incident Incident, string Subject, string Text)
{
    /// <summary>Builds the message for <paramref name="incident"/>.</summary>
    public static AlertMessage For(AlertEvent kind, Incident incident, DateTimeOffset now, Uri? dashboard)
    {
        var title = AlertRules.Title(incident.Rule);
        var subject = kind switch
        {
            AlertEvent.Open => $"[RecallFiles] OPEN {title}: {incident.PracticeId}",
            AlertEvent.Reminder => $"[RecallFiles] STILL OPEN {title}: {incident.PracticeId}",
            _ => $"[RecallFiles] RESOLVED {title}: {incident.PracticeId}",
        };
        var text = new StringBuilder();
        text.AppendLine(incident.Summary);
        if (incident.Detail is { Length: > 0 } detail)
        {
            text.AppendLine(detail);
        }

        var resolved = kind == AlertEvent.Resolved ? $", resolved {AlertRules.At(incident.ResolvedAt ?? now)} after {AlertRules.Span((incident.ResolvedAt ?? now) - incident.OpenedAt)}" : "";
        text.AppendLine(CultureInfo.InvariantCulture, $"Incident {incident.Id}, rule {incident.Rule}, practice {incident.PracticeId}, open since {AlertRules.At(incident.OpenedAt)}{resolved}.");
        if (dashboard is not null)
        {
            text.AppendLine(new Uri(dashboard, "hangfire/alerts").ToString());
        }

        return new AlertMessage(kind, incident, subject, text.ToString().TrimEnd());
    }
}

/// <summary>A way alert messages leave the cloud; throws <see cref="AlertDeliveryException"/> when the message did not go out.</summary>
internal interface IAlertChannel
{
    /// <summary>The channel's name (<c>email</c>, <c>webhook</c>).</summary>
    string Name { get; }

    /// <summary>Sends <paramref name="message"/>.</summary>
    Task SendAsync(AlertMessage message, CancellationToken cancellationToken);
}

/// <summary>A channel that did not take a message; the text says what to fix, without secrets.</summary>
internal sealed class AlertDeliveryException : Exception
{
    public AlertDeliveryException(string message) : base(message)
    {
    }

    public AlertDeliveryException(string message, Exception inner) : base(message, inner)
    {
    }

    public AlertDeliveryException() : base("alert not delivered")
    {
    }
}

/// <summary>Alert e-mail through SMTP (MailKit), one connection per message to every recipient of <c>RecallFiles:Alerts:Email:To</c>.</summary>
internal sealed class EmailAlertChannel(AlertEmailOptions options) : IAlertChannel
{
    public string Name => "email";

    public async Task SendAsync(AlertMessage message, CancellationToken cancellationToken)
    {
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(options.FromName ?? "", options.From));
        foreach (var to in options.To)
        {
            mime.To.Add(MailboxAddress.Parse(to));
        }

        mime.Subject = message.Subject;
        mime.MessageId = string.Create(CultureInfo.InvariantCulture, $"alert-{message.Incident.Id}-{message.Event.ToString().ToLowerInvariant()}-{message.Incident.NotifyCount}@recallfiles");
        mime.Body = new TextPart("plain") { Text = message.Text };
        using var client = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        client.ServerCertificateValidationCallback = ValidateCertificate;
        try
        {
            await client.ConnectAsync(options.Host!, options.Port, options.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.None => SecureSocketOptions.None,
                _ => SecureSocketOptions.StartTls,
            }, cancellationToken);
            if (options.UserName is { Length: > 0 } user)
            {
                await client.AuthenticateAsync(user, options.Password ?? "", cancellationToken);
            }

            await client.SendAsync(mime, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
        }
        catch (Exception ex) when (ex is MailKit.ProtocolException or MailKit.CommandException or AuthenticationException or IOException
            or System.Net.Sockets.SocketException or TimeoutException or MailKit.ServiceNotConnectedException)
        {
            throw new AlertDeliveryException($"e-mail to {options.Host}:{options.Port} failed ({ex.GetType().Name}: {ex.Message}); check RecallFiles:Alerts:Email", ex);
        }
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        SmtpSender.IsTrusted(options.CertificateThumbprint, certificate, errors);
}

/// <summary>Alerts as JSON POSTed to <c>RecallFiles:Alerts:Webhook:Url</c>: RecallFiles' own body, or Slack's or Teams' (<see cref="AlertWebhookFormat"/>).</summary>
internal sealed class WebhookAlertChannel(AlertWebhookOptions options, HttpClient http) : IAlertChannel
{
    public string Name => "webhook";

    public async Task SendAsync(AlertMessage message, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.Timeout);
        try
        {
            using var response = await http.PostAsJsonAsync(options.Url, Body(options.Format, message), cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new AlertDeliveryException($"the webhook {options.Url?.Host} answered {(int)response.StatusCode} {response.ReasonPhrase}; check RecallFiles:Alerts:Webhook:Url");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new AlertDeliveryException($"the webhook {options.Url?.Host} did not answer ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    /// <summary>The JSON body in <paramref name="format"/>.</summary>
    internal static object Body(AlertWebhookFormat format, AlertMessage message)
    {
        var i = message.Incident;
        var state = message.Event.ToString().ToLowerInvariant();
        return format switch
        {
            // Slack incoming webhooks take "text" (mrkdwn); the subject in bold, the rest below.
            AlertWebhookFormat.Slack => new { text = $"*{message.Subject}*\n{message.Text}" },
            // Teams workflow ("Post to a channel when a webhook request is received") takes a message with an Adaptive Card.
            AlertWebhookFormat.Teams => new
            {
                type = "message",
                attachments = new[]
                {
                    new
                    {
                        contentType = "application/vnd.microsoft.card.adaptive",
                        contentUrl = (string?)null,
                        content = new Dictionary<string, object>
                        {
                            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                            ["type"] = "AdaptiveCard",
                            ["version"] = "1.4",
                            ["body"] = new object[]
                            {
                                new { type = "TextBlock", text = message.Subject, weight = "Bolder", wrap = true,
                                    color = message.Event == AlertEvent.Resolved ? "Good" : "Attention" },
                                new { type = "TextBlock", text = message.Text, wrap = true },
                            },
                        },
                    },
                },
            },
            _ => new
            {
                @event = state,
                subject = message.Subject,
                text = message.Text,
                incident = new
                {
                    id = i.Id, rule = i.Rule, practice = i.PracticeId, summary = i.Summary, detail = i.Detail, openedAt = i.OpenedAt, resolvedAt = i.ResolvedAt,
                },
            },
        };
    }
}
