using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;
using System.Text;

namespace RecallFiles.Tests.Infrastructure;

/// <summary>
/// An HTTP SMS gateway stub on 127.0.0.1 and a free port (no real gateway exists here): it records every request and
/// answers with the queued responses (status, body), then 201 <c>{"id":"gw-N"}</c>.
/// </summary>
public sealed class SmsGatewayStub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(HttpStatusCode Status, string Body)> _answers = new();
    private readonly Task _loop;
    private int _count;

    public SmsGatewayStub()
    {
        Port = Ports.FreeTcpPort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/sms");

    /// <summary>Every request: method, path, headers, body.</summary>
    public ConcurrentQueue<(string Method, string Path, NameValueCollection Headers, string Body)> Requests { get; } = new();

    public void Answer(HttpStatusCode status, string body) => _answers.Enqueue((status, body));

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (HttpListenerException)
            {
                return;   // stopped
            }
            catch (ObjectDisposedException)
            {
                return;   // stopped
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = new NameValueCollection(context.Request.Headers);
            Requests.Enqueue((context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body));
            var (status, answer) = _answers.TryDequeue(out var queued) ? queued : (HttpStatusCode.Created, $"{{\"id\":\"gw-{Interlocked.Increment(ref _count)}\"}}");
            context.Response.StatusCode = (int)status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(answer);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
