package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/botgate/botgate/client"
)

// Send a message to a user and read it back.
func Example() {
	ctx := context.Background()
	bg, err := client.New(botgateURL, apiKey) // e.g. http://127.0.0.1:8080 and the sandbox's bgk_… key
	if err != nil {
		panic(err)
	}
	m, err := bg.Send(ctx, client.SendMessageRequest{
		Channel:       client.Messenger,
		To:            client.Recipient{Psid: client.Ptr(demoUser)},
		MessagingType: client.Ptr(client.RESPONSE),
		Message:       &map[string]any{"text": "Your order shipped"},
	}, "order-42", 10*time.Second)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Status, m.RequestId)

	got, err := bg.Message(ctx, m.Id)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Status, len(got.MessageIds), len(*got.Attempts))

	_, err = bg.Send(ctx, client.SendMessageRequest{Channel: client.Messenger, To: client.Recipient{Psid: client.Ptr(demoUser)}}, "", 0)
	fmt.Println(err)
	// Output:
	// sent order-42
	// sent 1 1
	// botgate: 400 missing_message: message is required
}
